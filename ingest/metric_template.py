"""The metrics import template: one row per region and indicator, in the long form.

Officials download it from the admin import page (CSV or XLSX), fill in the 数值 they
have and upload it unchanged (rows left without a value are skipped): every region
is written as the importer reads it (``宿迁市沭阳县``), every indicator by its name
with its unit beside it, and the year is filled. After the regions come the zones
that hold targets (``ingest.zones``: a 高新区, an 产业园), each by its name and only
with the indicators it has targets for; the importer files their values under the
zone, never under its region. The long form, not a column per
indicator, because there are more indicators than a sheet may have columns. The
XLSX adds a sheet that lists each indicator's id, unit and every name accepted, and one
that lists the zones (编号, 名称, the region they lie in, their indicators).
"""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd

from ingest.base import Indicators
from ingest.zones import Zones
from sheets import escape_formula, safe_csv

LEVELS = ("city", "county")  # the regions a metric is imported for
FILL_SHEET = "填报"
INDICATOR_SHEET = "指标说明"
ZONE_SHEET = "园区等主体"


def region_rows(boundaries: gpd.GeoDataFrame, within: str = "") -> pd.DataFrame:
    """(adcode, 地区) of every city and county whose adcode starts with ``within`` (a
    province's 2 or a city's 4 digits; "" all), the county written with its city."""
    units = boundaries[boundaries["level"].isin(LEVELS)]
    units = units[units["adcode"].astype(str).str.startswith(within)].sort_values("adcode")
    names = dict(zip(boundaries["adcode"], boundaries["name"]))
    written = [f"{names.get(p, '') if level == 'county' else ''}{name}"
               for name, level, p in zip(units["name"], units["level"], units["parent_adcode"])]
    return pd.DataFrame({"adcode": units["adcode"].astype(str).to_numpy(), "地区": written})


def indicator_name(indicators: Indicators, indicator_id: str) -> str:
    """How the template names an indicator: its name if that names only it, else its id."""
    name = indicators.by_id[indicator_id].name
    return name if indicators.resolve(name) == {indicator_id} else indicator_id


COLUMNS = ("地区", "年份", "指标", "数值", "单位")


def template_frame(indicators: Indicators, boundaries: gpd.GeoDataFrame, year: int,
                   within: str = "", zones: Zones | None = None) -> pd.DataFrame:
    """The sheet to fill: 地区, 年份, 指标, 数值 (empty), 单位 for every region and
    indicator, in the order of the regions' codes and of ``indicators.csv``; then each
    zone whose region is ``within``, by name, with the indicators of its targets."""
    regions = region_rows(boundaries, within)["地区"]
    ids = list(indicators.by_id)
    names = [indicator_name(indicators, i) for i in ids]
    units = [indicators.by_id[i].unit for i in ids]
    rows = [(region, str(year), name, "", unit) for region in regions
            for name, unit in zip(names, units)]
    rows += [(zone.name, str(year), indicator_name(indicators, i), "", indicators.by_id[i].unit)
             for zone in _zones_within(zones, within) for i in zone.indicators
             if i in indicators.by_id]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _zones_within(zones: Zones | None, within: str) -> list:
    if zones is None:
        return []
    return [z for z in zones.by_id.values() if z.region_adcode.startswith(within)]


def zone_list(zones: Zones | None, indicators: Indicators, region_names: dict[str, str],
              within: str = "") -> pd.DataFrame:
    """Every zone of the template: 编号, 名称 (as the 地区 column may write either), 所在地区,
    有目标的指标."""
    rows = [{"编号": z.id, "名称": z.name,
             "所在地区": f"{region_names.get(z.region_adcode, '')}（{z.region_adcode}）",
             "有目标的指标": "、".join(indicators.by_id[i].name for i in z.indicators
                                  if i in indicators.by_id)}
            for z in _zones_within(zones, within)]
    return pd.DataFrame(rows, columns=["编号", "名称", "所在地区", "有目标的指标"])


def indicator_list(indicators: Indicators) -> pd.DataFrame:
    """Every indicator: 指标编号, 指标名称, 单位, 可用的列名 (every name accepted)."""
    accepted: dict[str, list[str]] = {}
    for name, ids in indicators.names().items():
        for indicator_id in ids:
            accepted.setdefault(indicator_id, []).append(name)
    rows = [{"指标编号": i, "指标名称": indicators.by_id[i].name, "单位": indicators.by_id[i].unit,
             "可用的列名": "、".join(sorted(set(accepted.get(i, [])) - {i}))}
            for i in sorted(indicators.by_id)]
    return pd.DataFrame(rows, columns=["指标编号", "指标名称", "单位", "可用的列名"])


def template_csv(frame: pd.DataFrame) -> bytes:
    """The template as CSV (UTF-8 with BOM, so Excel and WPS open it in Chinese)."""
    return safe_csv(frame).encode("utf-8")


def template_xlsx(frame: pd.DataFrame, listing: pd.DataFrame,
                  zones: pd.DataFrame | None = None) -> bytes:
    """The template as XLSX: the sheet to fill first (frozen header and region column,
    widths), the indicator list second, the zones (``zone_list``) third."""
    from openpyxl import Workbook  # only the XLSX download imports it

    book = Workbook()
    sheet = book.active
    sheet.title = FILL_SHEET
    _write(sheet, frame)
    sheet.freeze_panes = "A2"
    _write(book.create_sheet(INDICATOR_SHEET), listing)
    if zones is not None and len(zones):
        _write(book.create_sheet(ZONE_SHEET), zones)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(sheet, frame: pd.DataFrame) -> None:
    from openpyxl.utils import get_column_letter

    sheet.append([escape_formula(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        sheet.append([escape_formula(v) if v != "" else None for v in row])
    for i, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column))] + [len(str(v)) for v in frame[column]])
        sheet.column_dimensions[get_column_letter(i)].width = min(max(8, longest * 2 + 2), 40)
