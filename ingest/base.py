"""What every import shares: column roles, options, context, problems, the checking machinery.

``ingest.metrics`` and ``ingest.carriers`` subclass ``Check``; ``ingest.imports``
picks one and runs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from ingest.keys import key
from ingest.tabular import Limits, Problem
from ingest.values import text_problem

if TYPE_CHECKING:
    from ingest.zones import Zones

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
MARKUP = re.compile(r"[<>]|javascript:", re.IGNORECASE)
HEADER_UNIT = re.compile(r"^(.*?)\s*[(（\[]([^()（）\[\]]*)[)）\]]\s*$")
ADCODE = re.compile(r"^\d{6}$")


class ImportRejected(ValueError):
    """The import was refused; ``problems`` row by row, ``report`` the region matches so far."""

    def __init__(self, problems: list[Problem], report: list[dict] | None = None,
                 kind: str = "", too_large: bool = False):
        self.problems = list(problems)
        self.report = report or []
        self.kind = kind
        self.too_large = too_large
        super().__init__(f"导入被拒绝：{len(self.problems)} 处问题；"
                         f"首个问题：{self.problems[0].message}")


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

    def names(self) -> dict[str, set[str]]:
        """Every name's comparison key → the ids of the indicators it names."""
        return self._names

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
    also knows the plan entities (an address may name a park). ``zones`` are the
    zones a metrics import may name in its 地区 column (``ingest.zones``; None: none).
    """

    boundaries: gpd.GeoDataFrame
    region_geocoder: object
    address_geocoder: object
    indicators: Indicators
    limits: Limits = field(default_factory=Limits)
    years: tuple[int, int] = YEARS
    zones: Zones | None = None


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
    def from_dict(cls, data: dict) -> ImportOptions:
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


class Check:
    """Rows of one upload checked against the context; problems collected, never raised early."""

    roles: tuple[str, ...] = ()
    #: Sheet row of the frame's first data row (2 under the header; more for a chunk of
    #: a file read in parts, ``ingest.stream``).
    first_row: int = 2

    def __init__(self, frame, filename, options, ctx):
        self.frame = frame
        self.filename = filename
        self.options = options
        self.ctx = ctx
        self.problems: list[Problem] = []
        self.problem_count = 0  # all of them; ``problems`` keeps the first MAX_PROBLEMS
        self.columns: dict[str, str] = {}
        self.extra: list[str] = []

    def problem(self, row, column, value, message) -> None:
        self.problem_count += 1
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
        value = "" if column is None else self.cells[column][row_no - self.first_row]
        if MARKUP.search(value):
            self.problem(row_no, column, value, "不允许 HTML/脚本标记（< > 或 javascript:）")
        hidden = text_problem(value)
        if hidden:
            self.problem(row_no, column, value.encode("unicode_escape").decode()[:120], hidden)
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
