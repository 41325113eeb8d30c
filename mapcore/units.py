"""The choropleth units of a map: values, classes, colours, legend and popup rows."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import thematic
from mapcore import progress
from mapcore.choice import LEVEL_LABELS, Choice
from mapcore.errors import InvalidChoice
from mapcore.texts import citation, source_label, source_value, text, unique_citations, value_text

BASE_FILL = "#eef2f5"  # the fill of units when the map shows no indicator


def unit_rows(frame: gpd.GeoDataFrame, region: dict, level: str) -> gpd.GeoDataFrame:
    """The units of ``level`` inside ``region`` (a province or city row as a dict)."""
    key = {"province": "province_adcode", "city": "city_adcode"}[region["level"]]
    return frame[(frame["level"] == level) & (frame[key] == region["adcode"])
                 & (frame["adcode"] != region["adcode"])].sort_values("adcode")


def _values(resources, choice: Choice, adcodes: pd.Series) -> pd.DataFrame:
    """The value table for the choice, one row per unit (NaN where there is no data)."""
    base = pd.DataFrame({"region_adcode": adcodes.to_numpy()})
    if choice.indicator is None:
        return base.assign(value=np.nan, qualifier=None, sources=[[] for _ in range(len(base))],
                           entity_ids=[[] for _ in range(len(base))])
    table = choice.indicator.source.table(resources.catalog, choice.indicator, choice.kind,
                                          choice.year)
    merged = base.merge(table.drop(columns=["unit"], errors="ignore"), on="region_adcode",
                        how="left")
    for column in ("sources", "entity_ids", "rows"):
        values = merged[column] if column in merged.columns else [None] * len(merged)
        merged[column] = [v if isinstance(v, list) else [] for v in values]
    merged["value"] = merged["value"].astype(float)
    return merged


def value_unit(choice: Choice) -> str:
    """The unit the legend and popups give the values in."""
    if choice.indicator is None:
        return ""
    if choice.indicator.derived:
        return choice.indicator.unit
    return thematic.value_unit(choice.kind, choice.indicator.unit)


def legend_title(choice: Choice) -> str:
    if choice.indicator is None:
        return "未选择指标"
    if choice.indicator.derived:
        return choice.indicator.name
    kind = thematic.VALUE_KIND_LABELS.get(choice.kind, "")
    year = f"（{choice.year}年）" if choice.year else ""
    return f"{choice.indicator.name} · {kind}{year}"


def classify_units(resources, units: gpd.GeoDataFrame, choice: Choice):
    """(units with value, colour and popup columns, Legend or None, Classification or None).

    Classes, colours and legend come from :mod:`geo.thematic`, as on every surface.
    """
    values = _values(resources, choice, units["adcode"])
    if choice.indicator is None:
        colours, legend, classes = [BASE_FILL] * len(units), None, None
        decimals, unit = 2, ""
    elif choice.kind == progress.KIND:
        statuses = [s if isinstance(s, str) else "" for s in values["status"]]
        colours, classes = progress.fills(statuses), None
        legend = progress.progress_legend(statuses, legend_title(choice))
        decimals, unit = 1, "%"
    else:
        try:
            classes = thematic.classify(values["value"], choice.scheme, choice.k, choice.breaks)
        except ValueError as exc:
            raise InvalidChoice(str(exc)) from None
        palette = thematic.class_colors(classes, "count" if choice.indicator.derived
                                        else choice.kind)
        colours = thematic.value_colors(classes, palette)
        unit = value_unit(choice)
        legend = thematic.legend(classes, palette, legend_title(choice), unit)
        decimals = thematic.label_decimals(classes)
    out = units.copy()
    out["value"] = values["value"].to_numpy()
    out["color"] = colours
    if choice.kind == progress.KIND and choice.indicator is not None:
        out["shown"] = [progress.shown(s if isinstance(s, str) else "", v)
                        for s, v in zip(values["status"], out["value"])]
    else:
        out["shown"] = [value_text(v, unit, decimals) for v in out["value"]]
    names = carrier_names(resources)
    measure = choice.indicator.unit if choice.indicator is not None else ""
    out["rows"] = [_popup_rows(u, v, names, measure) for u, v in
                   zip(out.itertuples(), values.itertuples())]
    out["citations"] = [unique_citations([citation(s, resources) for s in v.sources
                                          if s.get("plan_id")]) for v in values.itertuples()]
    out["plan_ids"] = [{s.get("plan_id") for s in v.sources} - {None, ""}
                       for v in values.itertuples()]
    out["entity_ids"] = list(values["entity_ids"])
    return out, legend, classes


def carrier_names(resources) -> dict[str, str]:
    """Names of the features of every point layer by id (counted carriers are listed)."""
    def make():
        names = {}
        for layer in resources.layers_with_role("points"):
            frame = resources.catalog.frames.get(layer.id)
            if frame is not None and "name" in frame.columns:
                names.update(zip(frame[layer.id_field].astype(str), frame["name"]))
        return names

    return resources.cached("carrier-names", make)


def _popup_rows(unit, value, names: dict[str, str], measure: str) -> list[tuple[str, str]]:
    if getattr(value, "rows", None):  # a value kind that says itself what to show
        return [("区划代码", unit.adcode), *value.rows]
    rows = [("区划代码", unit.adcode), ("数值", unit.shown)]
    if isinstance(getattr(value, "qualifier", None), str) and value.qualifier:
        rows.append(("表述", value.qualifier))
    rows += [(source_label(s["kind"], s["year"], s.get("period_label"),
                          s.get("previous_period")), source_value(s, measure))
             for s in value.sources]
    listed = [names[i] for i in value.entity_ids if i in names]
    if listed:
        rows.append(("载体", "、".join(listed)))
    rows += [("数据来源", text(s.get("source"))) for s in value.sources
             if not s.get("plan_id") and s.get("source")]
    return rows


def level_with_data(choice: Choice, levels: tuple[str, ...],
                    adcodes_at: dict[str, set]) -> tuple[Choice, str]:
    """Switch to a level where the indicator has values, and say why (or why not).

    A level the query named is kept; the notice then says the map has no values there.
    """
    indicator = choice.indicator
    if indicator is None or indicator.adcodes & adcodes_at[choice.level]:
        return choice, ""
    with_data = [lvl for lvl in levels if indicator.adcodes & adcodes_at[lvl]]
    here = LEVEL_LABELS[choice.level]
    if with_data and not choice.level_given:
        there = LEVEL_LABELS[with_data[0]]
        switched = Choice(**{**choice.__dict__, "level": with_data[0]})
        return switched, f"本指标没有{here}数值，仅有{there}数值：已切换到{there}层级。"
    if with_data:
        return choice, (f"本指标没有{here}数值；请切换到"
                        f"{LEVEL_LABELS[with_data[0]]}层级查看。")
    return choice, "本指标在本图范围内的区划单元没有数值（可能仅有省级或园区数值，见目标表）。"
