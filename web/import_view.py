"""How the admin import pages show things: previews with Chinese column headers and
names instead of internal ids, and times in the users' local time (Asia/Shanghai).

No routes here: ``web/admin.py`` calls these.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pandas as pd

from geo.numbers import format_number
from ingest.metric_template import (
    LEVELS,
    indicator_list,
    region_rows,
    template_csv,
    template_frame,
    template_xlsx,
    zone_list,
)
from web.errors import InvalidParameter, NotFound

LOCAL_TIME = ZoneInfo("Asia/Shanghai")
#: Preview columns of each import kind: (column, Chinese header), in the order shown.
PREVIEW_COLUMNS = {
    "metrics": (("region", "地区"), ("region_adcode", "行政区划代码"), ("indicator", "指标"),
                ("year", "年份"), ("value", "数值"), ("unit", "单位"), ("source", "来源")),
    "carriers": (("name", "名称"), ("type", "类型"), ("address", "地址"), ("lon", "经度"),
                 ("lat", "纬度"), ("datum", "原坐标系"), ("county", "所在县区"),
                 ("precision", "位置精度"), ("source", "来源")),
}


#: How the preview names the encoding a CSV was read in.
ENCODING_LABELS = {"utf-8-sig": "UTF-8（带 BOM）", "utf-8": "UTF-8", "gb18030": "GBK / GB18030"}


def encoding_label(encoding: str) -> str:
    """A CSV's encoding as people know it (“UTF-8（带 BOM）”, not “utf-8-sig”)."""
    return ENCODING_LABELS.get(encoding, encoding.upper())


def local_time(stamp: str) -> str:
    """An ISO 8601 time (UTC when it names no zone) as 2026年12月6日 17:02 in Beijing time;
    text that is no time is returned as it is."""
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    moment = moment.astimezone(LOCAL_TIME)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def preview_table(kind: str, rows: pd.DataFrame, region_names: dict[str, str],
                  indicator_names: dict[str, str], precision_labels: dict[str, str],
                  zone_names: dict[str, str] | None = None) -> tuple[list[str], list[list]]:
    """(headers, rows) of a preview: Chinese headers, region (or zone) and indicator names."""
    zone_names = zone_names or {}
    shown = rows.copy()
    if kind == "metrics":
        shown["region"] = shown["region_adcode"].map(region_names).fillna("")
        if "entity_id" in shown:  # a zone's value: the zone's name (its region beside)
            zoned = shown["entity_id"].fillna("") != ""
            shown.loc[zoned, "region"] = shown.loc[zoned, "entity_id"].map(
                lambda z: zone_names.get(z, "")) + "（" + shown.loc[zoned, "region"] + "）"
        shown["indicator"] = shown["indicator_id"].map(indicator_names).fillna(
            shown["indicator_id"])
        shown["value"] = shown["value"].map(lambda v: format_number(v, digits=10))
    else:
        shown["county"] = shown.get("county_adcode", pd.Series("", index=shown.index)).map(
            region_names).fillna("")
        if "precision" in shown:
            shown["precision"] = shown["precision"].map(precision_labels).fillna(
                shown["precision"])
    columns = [(c, title) for c, title in PREVIEW_COLUMNS[kind] if c in shown.columns]
    table = shown[[c for c, _ in columns]].astype(object)
    table = table.where(table.notna(), "")
    return [title for _, title in columns], table.values.tolist()


def region_names(boundaries) -> dict[str, str]:
    """Each adcode's name as the import template writes it (a county with its city)."""
    frame = region_rows(boundaries)
    return dict(zip(frame["adcode"], frame["地区"])) | {
        a: n for a, n, lvl in zip(boundaries["adcode"], boundaries["name"], boundaries["level"])
        if lvl not in LEVELS}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_file(ctx, fmt: str, args) -> tuple[bytes, str, str]:
    """(data, MIME type, Content-Disposition) of the metrics template: ``region`` (an
    adcode or its 2- or 4-digit prefix) limits its regions, ``year`` fills the year
    column (default: last year in Beijing time); a field left empty on the page's form
    counts as not given."""
    if fmt not in ("csv", "xlsx"):
        raise NotFound(f"导入模板只有 CSV 和 XLSX 两种格式，没有“{fmt}”")
    within = args.get("region", "").strip()
    if within and not (within.isdigit() and len(within) in (2, 4, 6)):
        raise InvalidParameter(f"地区应为行政区划代码或其前 2、4 位，收到“{within}”")
    year = args.get("year", "").strip() or str(datetime.now(LOCAL_TIME).year - 1)
    if not (year.isdigit() and len(year) == 4 and 1949 <= int(year) <= 2100):
        raise InvalidParameter(f"年份应为 1949–2100 之间的 4 位年份，收到“{year}”")
    prefix = within[:4] if within.endswith("00") and len(within) == 6 else within
    prefix = prefix[:2] if prefix.endswith("00") and len(prefix) == 4 else prefix
    frame = template_frame(ctx.indicators, ctx.boundaries, int(year), prefix, ctx.zones)
    if fmt == "csv":
        data, mimetype = template_csv(frame), "text/csv; charset=utf-8"
    else:
        zones = zone_list(ctx.zones, ctx.indicators, region_names(ctx.boundaries), prefix)
        data, mimetype = template_xlsx(frame, indicator_list(ctx.indicators), zones), XLSX
    name = quote(f"指标导入模板-{year}.{fmt}")
    return data, mimetype, (f"attachment; filename=metrics-template-{year}.{fmt}; "
                            f"filename*=UTF-8''{name}")
