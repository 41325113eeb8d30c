"""Checking county metrics: regions (or zones, ``ingest.zones``) matched to adcodes, years,
indicators, units, numbers."""

from __future__ import annotations

import pandas as pd

from ingest.base import (
    ADCODE,
    HEADER_UNIT,
    MARKUP,
    MAX_PROBLEMS,
    METRIC_ROLES,
    Check,
    ImportContext,
    normalize_unit,
)
from ingest.metric_names import did_you_mean
from ingest.tabular import Problem
from ingest.values import parse_number, parse_year


class MetricsCheck(Check):
    """County (or city) statistics, wide or long."""

    roles = METRIC_ROLES

    def run(self) -> tuple[pd.DataFrame, list[dict]]:
        self.map_columns()
        self.require("region", "地区")
        if "year" not in self.columns and self.options.year is None:
            self.problem(1, None, "", "缺少年份列（表头可写：年份、year），"
                                      "或在导入时指定全文件的年份")
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
        self.duplicates([(r["region_adcode"], r["entity_id"], r["indicator_id"], r["year"])
                         for r in records], [r["_row"] for r in records], "地区、指标与年份")
        if not records and not self.problems:
            self.problem(None, None, "", "文件中没有任何指标数值")
        self.fail_if_problems(report)
        frame = pd.DataFrame(records).drop(columns="_row")
        return frame.loc[:, ["region_adcode", "indicator_id", "year", "value", "unit",
                             "source", "entity_id"]], report

    def indicator_columns(self) -> list[tuple[str, str, str]]:
        """(column, indicator id, unit) per indicator column; the header may state the unit."""
        plan = []
        for column in self.extra:
            name, unit = _split_unit(column)
            ids = self.ctx.indicators.resolve(name) or self.ctx.indicators.resolve(column)
            if not ids:
                hint = did_you_mean(self.ctx.indicators, column)
                self.problem(1, column, column, _unknown_column(column, hint))
            elif len(ids) > 1:
                self.problem(1, column, column,
                             f"指标名称“{column}”有歧义：{'、'.join(sorted(ids))}")
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
        try:
            return parse_year(value, self.ctx.years)
        except ValueError as exc:
            self.problem(row_no, self.columns.get("year"), value, str(exc))
            return None

    def number(self, row_no, column, value, unit) -> float | None:
        try:
            return parse_number(value, unit or "")
        except ValueError as exc:
            self.problem(row_no, column, value, str(exc))
            return None

    def wide_records(self, plan, regions) -> list[dict]:
        records = []
        for row_no in range(self.first_row, self.first_row + len(self.frame)):
            place = regions.match(row_no, self.columns["region"], self.text(row_no, "region"))
            year = self.year(row_no)
            row_unit = self.text(row_no, "unit") if "unit" in self.columns else ""
            for column, indicator_id, header_unit in plan:
                value = self.cells[column][row_no - self.first_row]
                if value == "":
                    continue
                unit = self.check_unit(row_no, self.columns.get("unit"), indicator_id, row_unit) \
                    if row_unit else header_unit
                number = self.number(row_no, column, value, unit)
                if None not in (place, year, number):
                    records.append(self.record(row_no, place, indicator_id, year, number, unit))
        return records

    def long_records(self, regions) -> list[dict]:
        records = []
        for row_no in range(self.first_row, self.first_row + len(self.frame)):
            if self.text(row_no, "value") == "":  # a template row left unfilled
                continue
            place = regions.match(row_no, self.columns["region"], self.text(row_no, "region"))
            year = self.year(row_no)
            name = self.text(row_no, "indicator")
            ids = self.ctx.indicators.resolve(name)
            if len(ids) != 1:
                what = "未知指标" if not ids else "指标名称有歧义"
                hint = did_you_mean(self.ctx.indicators, name) if not ids else ""
                self.problem(row_no, self.columns["indicator"], name,
                             f"{what}“{name}”" + (f"。{hint}" if hint else ""))
                continue
            (indicator_id,) = ids
            unit = self.check_unit(row_no, self.columns.get("unit"), indicator_id,
                                   self.text(row_no, "unit"))
            value = self.text(row_no, "value")
            number = self.number(row_no, self.columns["value"], value, unit)
            if None not in (place, year, number):
                records.append(self.record(row_no, place, indicator_id, year, number, unit))
        return records

    def record(self, row_no, place, indicator_id, year, value, unit) -> dict:
        adcode, zone = place
        return {"_row": row_no, "region_adcode": adcode, "entity_id": zone,
                "indicator_id": indicator_id,
                "year": year, "value": value, "unit": unit or None,
                "source": self.source(row_no)}


def _unknown_column(column: str, hint: str) -> str:
    if hint:
        return (f"未知指标列“{column}”。{hint}"
                f"（可在列映射中写“{column}=指标编号”，或按导入模板填写）")
    return f"未知指标列“{column}”：不是指标编号或指标名称（可在列映射中改名或忽略）"


def _split_unit(header: str) -> tuple[str, str]:
    match = HEADER_UNIT.match(header)
    return (match.group(1), match.group(2)) if match else (header, "")


class RegionMatcher:
    """Region text → (adcode, zone id or ""), each distinct text looked up once; problems
    and a match report. A zone is named by its id, name or an alias (``ingest.zones``)."""

    def __init__(self, ctx: ImportContext):
        self.ctx = ctx
        self.units = ctx.boundaries.set_index("adcode")
        self.seen: dict[str, dict] = {}
        self.problems: list[Problem] = []

    def match(self, row_no: int, column: str, text: str) -> tuple[str, str] | None:
        entry = self.seen.get(text)
        if entry is None:
            entry = self.seen[text] = self._lookup(text)
        entry["rows"].append(row_no)
        if entry["status"] != "matched":
            self.problems.append(Problem(row_no, column, text, entry["message"]))
            return None
        return entry["adcode"], entry["entity_id"]

    def _lookup(self, text: str) -> dict:
        entry = {"text": text, "status": "unmatched", "adcode": None, "entity_id": "",
                 "name": None, "level": None, "rows": [], "message": ""}
        if not text:
            return {**entry, "message": "地区为空"}
        if MARKUP.search(text):
            return {**entry, "message": "地区名称含 HTML/脚本标记，未识别"}
        zones = self.ctx.zones
        found = sorted(zones.resolve(text)) if zones is not None else []
        if len(found) > 1:
            options = "、".join(f"{zones.by_id[z].name}（{z}）" for z in found)
            return {**entry, "status": "ambiguous",
                    "message": f"“{text}”可指多个园区：{options}；请写园区全称或编号"}
        if found:
            zone = zones.by_id[found[0]]
            return {**entry, "status": "matched", "adcode": zone.region_adcode,
                    "entity_id": zone.id, "name": f"{zone.name}（园区或机构）", "level": "zone"}
        if ADCODE.match(text):
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
