"""Validating imports of county metrics and carrier lists, all or nothing.

``prepare_import`` reads an upload (``geo.tabular``), maps its columns, matches
every region with the offline geocoder (or a 6-digit adcode against the
boundaries), checks every value, and returns rows ready for the store — or
raises ImportRejected with *every* problem found, row by row. Nothing here
writes anywhere.

Metrics come in two shapes: *wide* (a region column, a year column or a year
given for the whole file, and one column per indicator, the header being an
indicator id or any of its names, optionally with the unit in brackets:
``研发经费投入强度(%)``) or *long* (region, year, indicator, value, optional unit).
Carriers have a name, a type, and an address or lon/lat with a stated datum
(WGS84, GCJ-02, BD-09); coordinates are converted to WGS84 and joined to the
county containing them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.datum import DATUMS, normalize_datum, to_wgs84
from geo.tabular import Limits, Problem, TableRejected, TooLarge, read_table

YEARS = (1949, 2100)
CHINA_BOX = (73.0, 3.0, 136.0, 54.0)  # lon_min, lat_min, lon_max, lat_max
MAX_PROBLEMS = 500
ROLES = {
    "region": ("region", "region_adcode", "adcode", "地区", "区域", "行政区", "行政区划", "县区",
               "区县", "县(市、区)", "县(市,区)", "地名", "行政区划代码", "区划代码", "市县"),
    "year": ("year", "年份", "年度", "年"),
    "unit": ("unit", "单位", "计量单位"),
    "indicator": ("indicator", "indicator_id", "指标", "指标名称"),
    "value": ("value", "数值", "值", "指标值"),
    "name": ("name", "名称", "载体名称", "单位名称", "企业名称"),
    "type": ("type", "类型", "载体类型"),
    "address": ("address", "地址", "详细地址"),
    "lon": ("lon", "lng", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
    "datum": ("datum", "坐标系", "坐标系统"),
    "ignore": ("备注", "note", "notes", "说明", "序号", "no", "#"),
}
METRIC_ROLES = ("region", "year", "unit", "indicator", "value", "ignore")
CARRIER_ROLES = ("name", "type", "address", "lon", "lat", "datum", "ignore")
UNIT_ALIASES = {"百分比": "%", "百分点": "%", "percent": "%", "個": "个", "家": "家"}
_MARKUP = re.compile(r"[<>]|javascript:", re.IGNORECASE)
_HEADER_UNIT = re.compile(r"^(.*?)\s*[(（\[]([^()（）\[\]]*)[)）\]]\s*$")
_ADCODE = re.compile(r"^\d{6}$")


class ImportRejected(ValueError):
    """The import was refused; ``problems`` row by row, ``report`` the region matches so far."""

    def __init__(self, problems: list[Problem], report: list[dict] | None = None,
                 kind: str = "", too_large: bool = False):
        self.problems = list(problems)
        self.report = report or []
        self.kind = kind
        self.too_large = too_large
        super().__init__(f"导入被拒绝：{len(self.problems)} 处问题；首个问题：{self.problems[0].message}")


def key(text) -> str:
    """Header/name comparison key: NFKC, no whitespace, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def normalize_unit(unit) -> str:
    """A unit in one spelling: NFKC (％ → %), no spaces, common aliases folded."""
    text = key(unit or "")
    return UNIT_ALIASES.get(text, text)


# -- indicators ------------------------------------------------------------------

@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    unit: str


class Indicators:
    """The normalized indicators of ``data/kb/indicators.csv``, looked up by id or any name."""

    def __init__(self, frame: pd.DataFrame):
        self.by_id: dict[str, Indicator] = {}
        self._names: dict[str, set[str]] = {}
        for row in frame.fillna("").astype(str).itertuples(index=False):
            row = row._asdict()
            indicator = Indicator(row["id"], row["name"], normalize_unit(row.get("unit", "")))
            self.by_id[indicator.id] = indicator
            names = [row["id"], row["name"], *str(row.get("variants", "")).split("|")]
            for name in filter(None, (n.strip() for n in names)):
                self._names.setdefault(key(name), set()).add(indicator.id)

    def resolve(self, header: str) -> set[str]:
        """Ids of the indicators ``header`` names (empty: unknown; several: ambiguous)."""
        return set(self._names.get(key(header), set()))


def read_indicators(data_dir: Path) -> Indicators:
    """Indicators of ``data_dir/kb/indicators.csv``; none if the file does not exist yet."""
    path = Path(data_dir) / "kb" / "indicators.csv"
    if not path.exists():
        return Indicators(pd.DataFrame(columns=["id", "name", "variants", "unit"]))
    return Indicators(pd.read_csv(path, dtype=str, keep_default_na=False))


# -- context, options, result -------------------------------------------------------

@dataclass
class ImportContext:
    """What validation looks things up in: boundaries (WGS84), geocoders, indicators, limits.

    ``region_geocoder`` knows administrative units only; ``address_geocoder``
    also knows the plan entities (an address may name a park).
    """

    boundaries: gpd.GeoDataFrame
    region_geocoder: object
    address_geocoder: object
    indicators: Indicators
    limits: Limits = field(default_factory=Limits)
    years: tuple[int, int] = YEARS


@dataclass(frozen=True)
class ImportOptions:
    """What the person importing states about the file."""

    kind: str = "metrics"
    year: int | None = None
    datum: str | None = None
    mapping: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict:
        return {"kind": self.kind, "year": self.year, "datum": self.datum,
                "mapping": [list(pair) for pair in self.mapping]}

    @classmethod
    def from_dict(cls, data: dict) -> "ImportOptions":
        return cls(kind=data.get("kind", "metrics"), year=data.get("year"),
                   datum=data.get("datum"),
                   mapping=tuple(tuple(pair) for pair in data.get("mapping", ())))


@dataclass
class PreparedImport:
    """Rows ready for the store (columns ``store.COLUMNS[kind]``) and what was matched."""

    kind: str
    filename: str
    sha256: str
    format: str
    encoding: str
    rows: pd.DataFrame
    report: list[dict]
    source_rows: int


def parse_mapping(text: str) -> tuple[tuple[str, str], ...]:
    """``原列名=目标`` pairs, one per line or comma-separated; an empty target drops the column."""
    pairs = []
    for part in re.split(r"[\n,，;；]+", text or ""):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"列映射 {part.strip()!r} 应写作 原列名=目标列")
        source, target = part.split("=", 1)
        pairs.append((source.strip(), target.strip()))
    return tuple(pairs)


def prepare_import(data: bytes, filename: str, options: ImportOptions,
                   ctx: ImportContext) -> PreparedImport:
    """Read and validate an upload; the rows to store, or ImportRejected with every problem.

    Parameters
    ----------
    data : bytes
        The CSV or XLSX file.
    filename : str
        Its name, recorded in each row's ``source``.
    options : ImportOptions
        Kind (``metrics`` or ``carriers``), a year for the whole file, a datum for
        the whole file, column mapping.
    ctx : ImportContext
        Boundaries in EPSG:4326, geocoders, indicators, limits.

    Raises
    ------
    ImportRejected
        Listing every problem (row, column, value, message); nothing is half-imported.
    """
    if options.kind not in ("metrics", "carriers"):
        raise ImportRejected([Problem(None, None, options.kind, "未知的导入类型")])
    if ctx.boundaries.crs is None or ctx.boundaries.crs.to_epsg() != 4326:
        raise ValueError(f"boundaries must be EPSG:4326, got {ctx.boundaries.crs}")
    filename = Path(filename or "upload").name[:200]
    try:
        table = read_table(data, filename, ctx.limits)
    except TableRejected as exc:
        raise ImportRejected(exc.problems, kind=options.kind,
                             too_large=isinstance(exc, TooLarge)) from None
    check = _MetricsCheck if options.kind == "metrics" else _CarriersCheck
    rows, report = check(table.frame, filename, options, ctx).run()
    return PreparedImport(kind=options.kind, filename=filename, sha256=table.sha256,
                          format=table.format, encoding=table.encoding, rows=rows,
                          report=report, source_rows=len(table.frame))


# -- shared checking machinery ---------------------------------------------------------

class _Check:
    roles: tuple[str, ...] = ()

    def __init__(self, frame, filename, options, ctx):
        self.frame = frame
        self.filename = filename
        self.options = options
        self.ctx = ctx
        self.problems: list[Problem] = []
        self.columns: dict[str, str] = {}
        self.extra: list[str] = []

    def problem(self, row, column, value, message) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, str(value)[:120], message))

    def fail_if_problems(self, report=None) -> None:
        if self.problems:
            raise ImportRejected(self.problems, report, self.options.kind)

    def map_columns(self) -> None:
        """Rename by the mapping, then assign each header a role or leave it in ``extra``."""
        renames, drops = {}, []
        for source, target in self.options.mapping:
            if source not in self.frame.columns:
                self.problem(1, source, source, f"列映射中的列“{source}”不在文件中")
            elif target in ("", "-"):
                drops.append(source)
            else:
                renames[source] = target
        self.frame = self.frame.drop(columns=drops).rename(columns=renames)
        clashes = sorted(set(self.frame.columns[self.frame.columns.duplicated()]))
        for column in clashes:
            self.problem(1, column, column, f"列映射后有多个“{column}”列")
        self.fail_if_problems()
        self.cells = {column: self.frame[column].tolist() for column in self.frame.columns}
        lookup = {key(name): role for role in self.roles for name in ROLES[role]}
        for column in self.frame.columns:
            role = lookup.get(key(column))
            if role == "ignore":
                continue
            if role is None:
                self.extra.append(column)
            elif role in self.columns:
                self.problem(1, column, column,
                             f"“{column}”与“{self.columns[role]}”都是{role}列，只能有一个")
            else:
                self.columns[role] = column

    def require(self, role: str, label: str) -> None:
        if role not in self.columns:
            names = "、".join(ROLES[role][:6])
            self.problem(1, None, "", f"缺少{label}列（表头可写：{names}）")

    def text(self, row_no, role) -> str:
        column = self.columns.get(role)
        value = "" if column is None else self.cells[column][row_no - 2]
        if _MARKUP.search(value):
            self.problem(row_no, column, value, "不允许 HTML/脚本标记（< > 或 javascript:）")
        return value

    def source(self, row_no: int) -> str:
        return f"{self.filename} 第 {row_no} 行"

    def duplicates(self, keys: list[tuple], rows: list[int], label: str) -> None:
        first: dict[tuple, int] = {}
        for k, row_no in zip(keys, rows):
            if k in first:
                self.problem(row_no, None, " / ".join(map(str, k)),
                             f"重复：与第 {first[k]} 行是同一{label}")
            else:
                first[k] = row_no


# -- metrics ---------------------------------------------------------------------------

class _MetricsCheck(_Check):
    roles = METRIC_ROLES

    def run(self) -> tuple[pd.DataFrame, list[dict]]:
        self.map_columns()
        self.require("region", "地区")
        if "year" not in self.columns and self.options.year is None:
            self.problem(1, None, "", "缺少年份列（表头可写：年份、year），或在导入时指定全文件的年份")
        long = "indicator" in self.columns or "value" in self.columns
        if long:
            self.require("indicator", "指标")
            self.require("value", "数值")
            for column in self.extra:
                self.problem(1, column, column, f"无法识别的列“{column}”（可在列映射中忽略）")
            plan = []
        else:
            plan = self.indicator_columns()
        if "region" not in self.columns or (long and len(self.problems)):
            self.fail_if_problems()
        regions = RegionMatcher(self.ctx)
        records = self.long_records(regions) if long else self.wide_records(plan, regions)
        report = regions.report()
        self.problems.extend(regions.problems[:MAX_PROBLEMS])
        self.duplicates([(r["region_adcode"], r["indicator_id"], r["year"]) for r in records],
                        [r["_row"] for r in records], "地区、指标与年份")
        if not records and not self.problems:
            self.problem(None, None, "", "文件中没有任何指标数值")
        self.fail_if_problems(report)
        frame = pd.DataFrame(records).drop(columns="_row")
        return frame.loc[:, ["region_adcode", "indicator_id", "year", "value", "unit",
                             "source"]], report

    def indicator_columns(self) -> list[tuple[str, str, str]]:
        """(column, indicator id, unit) per indicator column; the header may state the unit."""
        plan = []
        for column in self.extra:
            name, unit = _split_unit(column)
            ids = self.ctx.indicators.resolve(name) or self.ctx.indicators.resolve(column)
            if not ids:
                self.problem(1, column, column, f"未知指标列“{column}”：不是指标编号或指标名称"
                                                "（可在列映射中改名或忽略）")
            elif len(ids) > 1:
                self.problem(1, column, column, f"指标名称“{column}”有歧义：{'、'.join(sorted(ids))}")
            else:
                (indicator_id,) = ids
                plan.append((column, indicator_id, self.check_unit(1, column, indicator_id, unit)))
        if not plan and not self.problems:
            self.problem(1, None, "", "缺少指标列：表头应为指标编号或指标名称")
        return plan

    def check_unit(self, row_no, column, indicator_id, unit) -> str:
        expected = self.ctx.indicators.by_id[indicator_id].unit
        given = normalize_unit(unit)
        if given and expected and given != expected:
            self.problem(row_no, column, unit,
                         f"单位“{unit}”与指标 {indicator_id} 的单位“{expected}”不一致")
        return expected or given

    def year(self, row_no) -> int | None:
        if "year" not in self.columns:
            value = str(self.options.year)
        else:
            value = self.text(row_no, "year")
        match = re.fullmatch(r"(\d{4})(?:\.0+)?\s*年?", value.strip())
        if not match:
            self.problem(row_no, self.columns.get("year"), value, "年份不是四位数字")
            return None
        year = int(match.group(1))
        low, high = self.ctx.years
        if not low <= year <= high:
            self.problem(row_no, self.columns.get("year"), value,
                         f"年份 {year} 超出范围 {low}–{high}")
            return None
        return year

    def number(self, row_no, column, value, unit) -> float | None:
        text = value.replace(",", "").replace("，", "").strip()
        if text.endswith(("%", "％")) and unit == "%":
            text = text[:-1]
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is None or not np.isfinite(number):
            self.problem(row_no, column, value, f"“{value}”不是数值")
            return None
        return number

    def wide_records(self, plan, regions) -> list[dict]:
        records = []
        for row_no in range(2, len(self.frame) + 2):
            adcode = regions.match(row_no, self.columns["region"], self.text(row_no, "region"))
            year = self.year(row_no)
            row_unit = self.text(row_no, "unit") if "unit" in self.columns else ""
            for column, indicator_id, header_unit in plan:
                value = self.cells[column][row_no - 2]
                if value == "":
                    continue
                unit = self.check_unit(row_no, self.columns.get("unit"), indicator_id, row_unit) \
                    if row_unit else header_unit
                number = self.number(row_no, column, value, unit)
                if None not in (adcode, year, number):
                    records.append(self.record(row_no, adcode, indicator_id, year, number, unit))
        return records

    def long_records(self, regions) -> list[dict]:
        records = []
        for row_no in range(2, len(self.frame) + 2):
            adcode = regions.match(row_no, self.columns["region"], self.text(row_no, "region"))
            year = self.year(row_no)
            name = self.text(row_no, "indicator")
            ids = self.ctx.indicators.resolve(name)
            if len(ids) != 1:
                what = "未知指标" if not ids else "指标名称有歧义"
                self.problem(row_no, self.columns["indicator"], name, f"{what}“{name}”")
                continue
            (indicator_id,) = ids
            unit = self.check_unit(row_no, self.columns.get("unit"), indicator_id,
                                   self.text(row_no, "unit"))
            value = self.text(row_no, "value")
            number = self.number(row_no, self.columns["value"], value, unit)
            if None not in (adcode, year, number):
                records.append(self.record(row_no, adcode, indicator_id, year, number, unit))
        return records

    def record(self, row_no, adcode, indicator_id, year, value, unit) -> dict:
        return {"_row": row_no, "region_adcode": adcode, "indicator_id": indicator_id,
                "year": year, "value": value, "unit": unit or None,
                "source": self.source(row_no)}


def _split_unit(header: str) -> tuple[str, str]:
    match = _HEADER_UNIT.match(header)
    return (match.group(1), match.group(2)) if match else (header, "")


class RegionMatcher:
    """Region text → adcode, each distinct text looked up once; problems and a match report."""

    def __init__(self, ctx: ImportContext):
        self.ctx = ctx
        self.units = ctx.boundaries.set_index("adcode")
        self.seen: dict[str, dict] = {}
        self.problems: list[Problem] = []

    def match(self, row_no: int, column: str, text: str) -> str | None:
        entry = self.seen.get(text)
        if entry is None:
            entry = self.seen[text] = self._lookup(text)
        entry["rows"].append(row_no)
        if entry["status"] != "matched":
            self.problems.append(Problem(row_no, column, text, entry["message"]))
            return None
        return entry["adcode"]

    def _lookup(self, text: str) -> dict:
        entry = {"text": text, "status": "unmatched", "adcode": None, "name": None,
                 "level": None, "rows": [], "message": ""}
        if not text:
            return {**entry, "message": "地区为空"}
        if _MARKUP.search(text):
            return {**entry, "message": "地区名称含 HTML/脚本标记，未识别"}
        if _ADCODE.match(text):
            if text in self.units.index:
                return self._matched(entry, text)
            return {**entry, "message": f"行政区划代码 {text} 不在覆盖范围内"}
        result = self.ctx.region_geocoder.geocode(text)
        if result.status == "ambiguous":
            options = "、".join(f"{self._full_name(c.adcode)}（{c.adcode}）"
                               for c in result.candidates[:6])
            return {**entry, "status": "ambiguous",
                    "message": f"地名“{text}”有歧义，可能是：{options}；请写全称或行政区划代码"}
        best = result.best
        if result.status != "matched" or best is None or best.kind != "admin":
            return {**entry, "message": f"未知地区“{text}”"}
        if best.score < 0.999:
            return {**entry, "message": f"“{text}”中只识别出{best.name}，其余文字无法识别"}
        return self._matched(entry, best.adcode)

    def _matched(self, entry: dict, adcode: str) -> dict:
        unit = self.units.loc[adcode]
        return {**entry, "status": "matched", "adcode": adcode,
                "name": self._full_name(adcode), "level": unit["level"]}

    def _full_name(self, adcode: str | None) -> str:
        if adcode is None or adcode not in self.units.index:
            return str(adcode)
        unit = self.units.loc[adcode]
        parent = unit["parent_adcode"]
        prefix = self.units.loc[parent, "name"] if parent in self.units.index and \
            unit["level"] == "county" else ""
        return f"{prefix}{unit['name']}"

    def report(self) -> list[dict]:
        return [{k: v for k, v in entry.items()} for entry in self.seen.values()]


# -- carriers ------------------------------------------------------------------------

class _CarriersCheck(_Check):
    roles = CARRIER_ROLES

    def run(self) -> tuple[pd.DataFrame, list[dict]]:
        self.map_columns()
        self.require("name", "名称")
        self.require("type", "类型")
        has_coords = "lon" in self.columns and "lat" in self.columns
        if not has_coords and "address" not in self.columns:
            self.problem(1, None, "", "缺少位置列：需要“地址”列，或“经度”与“纬度”列")
        if ("lon" in self.columns) != ("lat" in self.columns):
            self.problem(1, None, "", "经度与纬度列必须同时提供")
        for column in self.extra:
            self.problem(1, column, column, f"无法识别的列“{column}”（可在列映射中忽略）")
        file_datum = self.file_datum()
        self.fail_if_problems()
        records = [self.carrier(row_no, has_coords, file_datum)
                   for row_no in range(2, len(self.frame) + 2)]
        records = [r for r in records if r is not None]
        self.locate(records)
        self.duplicates([(r["name"], r["type"], r["county_adcode"]) for r in records],
                        [r["_row"] for r in records], "载体（名称、类型、县区）")
        report = [{"text": r["address"] or f"{r['lon']:.6f},{r['lat']:.6f}", "status": "matched",
                   "adcode": r["county_adcode"] or r["city_adcode"], "name": r["name"],
                   "level": r["precision"], "rows": [r["_row"]]} for r in records]
        self.fail_if_problems(report)
        frame = pd.DataFrame(records).drop(columns=["_row", "_point"])
        from store.base import CARRIER_COLUMNS

        return frame.loc[:, list(CARRIER_COLUMNS)], report

    def file_datum(self) -> str | None:
        if self.options.datum in (None, ""):
            return None
        try:
            return normalize_datum(self.options.datum)
        except ValueError:
            self.problem(None, None, self.options.datum,
                         f"未知坐标系“{self.options.datum}”，应为 {'、'.join(DATUMS)}")
            return None

    def carrier(self, row_no, has_coords, file_datum) -> dict | None:
        name, kind = self.text(row_no, "name"), self.text(row_no, "type")
        address = self.text(row_no, "address")
        for role, value in (("name", name), ("type", kind)):
            if not value:
                self.problem(row_no, self.columns[role], "", "不能为空")
            elif value.startswith(("=", "+", "@")):
                self.problem(row_no, self.columns[role], value, "以 = + @ 开头，疑似表格公式")
        record = {"_row": row_no, "name": name, "type": kind, "address": address or None,
                  "lon": None, "lat": None, "datum": None, "source": self.source(row_no),
                  "province_adcode": None, "city_adcode": None, "county_adcode": None,
                  "precision": None, "_point": None}
        lon_text = self.text(row_no, "lon") if has_coords else ""
        lat_text = self.text(row_no, "lat") if has_coords else ""
        if lon_text or lat_text:
            return self.with_coordinates(record, row_no, lon_text, lat_text, file_datum)
        if not address:
            self.problem(row_no, None, "", "既没有地址，也没有经纬度")
            return None
        return record

    def with_coordinates(self, record, row_no, lon_text, lat_text, file_datum):
        datum_text = self.text(row_no, "datum") if "datum" in self.columns else ""
        try:
            datum = normalize_datum(datum_text) if datum_text else file_datum
        except ValueError:
            self.problem(row_no, self.columns["datum"], datum_text,
                         f"未知坐标系“{datum_text}”，应为 {'、'.join(DATUMS)}")
            return None
        if datum is None:
            self.problem(row_no, None, "", "给了经纬度却没有说明坐标系（WGS84、GCJ-02 或 BD-09）")
            return None
        try:
            lon, lat = float(lon_text), float(lat_text)
        except ValueError:
            self.problem(row_no, self.columns["lon"], f"{lon_text}, {lat_text}", "经纬度不是数值")
            return None
        lon_min, lat_min, lon_max, lat_max = CHINA_BOX
        if not (lon_min <= lon <= lon_max and lat_min <= lat <= lat_max):
            self.problem(row_no, self.columns["lon"], f"{lon_text}, {lat_text}",
                         "经纬度不在中国范围内（经度、纬度是否写反？）")
            return None
        wlon, wlat = to_wgs84(lon, lat, datum)
        return {**record, "lon": float(wlon), "lat": float(wlat), "datum": datum,
                "precision": "site"}

    def locate(self, records: list[dict]) -> None:
        """Fill adcodes: coordinates by point in county, addresses by the geocoder."""
        with_coords = [r for r in records if r["lon"] is not None]
        counties = self.ctx.boundaries[self.ctx.boundaries["level"] == "county"]
        if with_coords:
            points = gpd.GeoDataFrame(
                {"i": range(len(with_coords))},
                geometry=gpd.points_from_xy([r["lon"] for r in with_coords],
                                            [r["lat"] for r in with_coords]), crs="EPSG:4326")
            joined = gpd.sjoin(points, counties[["adcode", "geometry"]], how="left",
                               predicate="within").drop_duplicates("i").set_index("i")
            for i, record in enumerate(with_coords):
                adcode = joined.at[i, "adcode"]
                if pd.isna(adcode):
                    self.problem(record["_row"], self.columns.get("lon"),
                                 f"{record['lon']:.6f}, {record['lat']:.6f}",
                                 "坐标不在已覆盖的县区内（请核对经纬度与坐标系）")
                else:
                    self._set_codes(record, str(adcode))
        for record in records:
            if record["lon"] is None:
                self.geocode_address(record)

    def geocode_address(self, record: dict) -> None:
        result = self.ctx.address_geocoder.geocode(record["address"])
        column = self.columns.get("address")
        if result.status == "ambiguous":
            names = "、".join(c.name for c in result.candidates[:5])
            self.problem(record["_row"], column, record["address"],
                         f"地址有歧义，可能是：{names}；请写明所在市县或给出经纬度")
            return
        best = result.best
        if result.status != "matched" or best is None:
            self.problem(record["_row"], column, record["address"], "地址无法定位；请给出经纬度")
            return
        adcode = best.county_adcode or best.city_adcode or best.adcode
        if not adcode or adcode.endswith("0000"):
            self.problem(record["_row"], column, record["address"],
                         "地址只能定位到省，无法关联到县区；请写明市县或给出经纬度")
            return
        point = best.geometry if best.geometry.geom_type == "Point" \
            else best.geometry.representative_point()
        record.update(lon=float(point.x), lat=float(point.y), datum=None,
                      precision=best.precision)
        self._set_codes(record, adcode)

    def _set_codes(self, record: dict, adcode: str) -> None:
        if not hasattr(self, "_codes"):
            units = self.ctx.boundaries
            self._codes = {a: (lv, c, p) for a, lv, c, p in zip(
                units["adcode"], units["level"], units["city_adcode"], units["province_adcode"])}
        level, city, province = self._codes.get(adcode, ("county", adcode[:4] + "00",
                                                         adcode[:2] + "0000"))
        record["province_adcode"] = province
        record["city_adcode"] = None if level == "province" else city
        record["county_adcode"] = adcode if level == "county" else None
