"""The targets table: one row per (region or zone, indicator, plan, target year).

Built from the ``targets`` layer (which carries ``monitor.progress``), so the web
page, its CSV/XLSX downloads, the region pages and the PDF report all show the
same rows and the same text in every cell (``display_frame``). A target a plan
states twice (in its text and in its indicator table) is one row with both
citations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from geo.numbers import MISSING, format_number, format_percent, format_value
from geo.quotes import citation, quoted
from monitor.progress import STATUSES

# Indicator groups by words of the indicator's name, first match wins; an
# ``group`` column of indicators.csv, when present, takes precedence.
GROUP_RULES = (
    ("研发投入", ("研发投入", "研发经费", "R&D", "研究与试验", "科技投入", "财政科技", "经费")),
    ("人才", ("人才", "人员", "院士", "专家", "博士")),
    ("知识产权与成果", ("专利", "商标", "成果", "技术合同", "标准", "品种", "新药")),
    ("平台载体", ("平台", "实验室", "中心", "孵化", "众创", "园区", "高新区", "基地", "研究院",
                "机构", "载体", "集群", "综合体", "科技园")),
    ("企业主体", ("企业", "瞪羚", "独角兽", "上市")),
    ("产业与效益", ("产业", "产值", "增加值", "收入", "贡献率", "能耗", "生产率")),
)
OTHER_GROUP = "其他"
DISPLAY_COLUMNS = (
    ("region", "地区"), ("plan", "规划"), ("indicator", "指标"), ("group", "指标类别"),
    ("baseline", "基期值"), ("target", "目标值"), ("required", "需年均增长"),
    ("actual", "实际值"), ("actual_source", "实际值来源"), ("completion", "完成率"),
    ("time_progress", "时序进度"), ("status", "状态"), ("citation", "出处"), ("quote", "原文"),
    ("baseline_citation", "基期值出处"),
)
SORT_KEYS = {"region": "region_rank", "plan": "plan_id", "indicator": "indicator_name",
             "group": "group", "status": "status_rank", "completion": "completion",
             "year": "year", "lag": "lag"}


def indicator_group(name: str) -> str:
    """The group of an indicator by the words of its name (研发投入, 人才, 平台载体 …)."""
    for group, words in GROUP_RULES:
        if any(word in name for word in words):
            return group
    return OTHER_GROUP


def group_rank(group: str) -> tuple[int, str]:
    """Where a group stands in lists: in the order of ``GROUP_RULES``, then others by name,
    then 其他."""
    order = [name for name, _ in GROUP_RULES]
    if group in order:
        return (order.index(group), "")
    return (len(order) + (group == OTHER_GROUP), group)


def indicator_choices(rows: pd.DataFrame, indicators: pd.DataFrame
                      ) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The indicators of ``rows`` by group, for a grouped list with a search box:
    [(group, [(id, name, the names a search may match: the name and its variants)])],
    groups as ``group_rank``, indicators by name."""
    variants = indicators["variants"].to_dict() if "variants" in indicators.columns else {}
    chosen = rows.drop_duplicates("indicator_id")
    grouped: dict[str, list] = {}
    for r in chosen.sort_values("indicator_name", kind="stable").itertuples():
        words = dict.fromkeys([r.indicator_name, *str(variants.get(r.indicator_id) or "")
                               .split("|")])
        grouped.setdefault(r.group, []).append(
            (r.indicator_id, r.indicator_name, "|".join(w for w in words if w)))
    return sorted(grouped.items(), key=lambda item: group_rank(item[0]))


def target_rows(targets: pd.DataFrame, plan_titles: Mapping[str, str],
                region_names: Mapping[str, str], indicators: pd.DataFrame,
                entity_names: Mapping[str, str] | None = None,
                region_order: Sequence[str] = ()) -> pd.DataFrame:
    """Every target row of the ``targets`` layer frame, restatements merged.

    ``plan_titles`` plan id → title; ``region_names`` adcode → name;
    ``indicators`` as ``layers.targets.read_indicators``. Columns: the target
    row's own (the table row of a restatement first), ``ids`` and ``citations``
    (lists of (plan title, section, quote)), ``region_name``, ``plan_title``,
    ``group``, ``chapter``, ``baseline_row`` (a dict or None), ``lag`` (r − p),
    ``holder`` (the zone or entity a target belongs to, by ``entity_names``, else ""),
    ``region_rank`` (the place of the region in ``region_order``, the plan registry's
    order of regions; others after them by adcode).
    """
    frame = pd.DataFrame(targets.drop(columns=targets.geometry.name, errors="ignore"))
    by_id = frame.set_index("id", drop=False)
    groups = _groups(indicators)
    tgt = frame[frame["kind"] == "target"].copy()
    tgt["_rank"] = (tgt["source"] != "table").astype(int)
    tgt["_vmax"] = tgt["value_max"].fillna(-1.0)
    key = ["region_adcode", "entity_id", "subject", "indicator_id", "plan_id", "year", "value",
           "_vmax"]
    rows = []
    for _, same in tgt.sort_values(["_rank", "id"]).groupby(key, sort=False):
        first = same.iloc[0].to_dict()
        first["ids"] = same["id"].tolist()
        first["citations"] = [(plan_titles.get(r.plan_id, r.plan_id), r.section, r.quote)
                              for r in same.itertuples()]
        rows.append(first)
    out = pd.DataFrame(rows)
    out["region_name"] = out["region_adcode"].map(lambda a: region_names.get(a, a))
    out["plan_title"] = out["plan_id"].map(lambda p: plan_titles.get(p, p))
    names = entity_names or {}
    out["holder"] = [subject or (names.get(entity, entity) if entity else "")
                     for subject, entity in zip(out["subject"], out["entity_id"])]
    out["group"] = out["indicator_id"].map(lambda i: groups.get(i, OTHER_GROUP))
    out["chapter"] = out["section"].map(lambda s: s.split(" > ")[0])
    out["baseline_row"] = [_baseline_row(row, by_id, plan_titles)
                           for row in out.to_dict("records")]
    out["lag"] = out["completion"] - out["time_progress"]
    order = tuple(region_order)
    out["region_rank"] = out["region_adcode"].map(
        lambda a: (order.index(a) if a in order else len(order), a))
    out["status_rank"] = out["status"].map(lambda s: STATUSES.index(s) if s in STATUSES else 9)
    out = out.drop(columns=["_rank", "_vmax"])
    return out.sort_values(["region_rank", "plan_id", "indicator_name", "year"],
                           kind="stable").reset_index(drop=True)


def _baseline_row(row: Mapping, by_id: pd.DataFrame, plan_titles: Mapping[str, str]):
    """The baseline of a target row as a dict: the stated row, or the imported actual
    its plan period is measured from (``baseline_note`` says which), or None."""
    b = row.get("baseline_id")
    if b:
        stated = by_id.loc[b].to_dict()
        return {**stated, "plan_title": plan_titles.get(stated["plan_id"], ""), "note": ""}
    if _missing(row.get("baseline_value")):
        return None
    return {"value": row["baseline_value"], "year": int(row["baseline_year"]), "unit": row["unit"],
            "qualifier": "", "value_max": None, "plan_title": "", "section": "", "quote": "",
            "note": row.get("baseline_note") or ""}


def headline_indicator(rows: pd.DataFrame, all_rows: pd.DataFrame) -> str | None:
    """The indicator a set of target rows leads with: of their region-wide indicators,
    the one the most regions of ``all_rows`` have a target for (then the first listed)."""
    def regional(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[(frame["subject"] == "") & (frame["entity_id"] == "")]

    own = list(dict.fromkeys(regional(rows)["indicator_id"]))
    if not own:
        return None
    spread = regional(all_rows).groupby("indicator_id")["region_adcode"].nunique()
    return max(own, key=lambda i: (spread.get(i, 0), -own.index(i)))


def _groups(indicators: pd.DataFrame) -> dict[str, str]:
    frame = indicators.reset_index() if "id" not in indicators.columns else indicators
    if "group" in frame.columns:
        return {r.id: (r.group or indicator_group(r.name)) for r in frame.itertuples()}
    return {r.id: indicator_group(r.name) for r in frame.itertuples()}


@dataclass(frozen=True)
class Query:
    """What the targets table shows: filters (empty: all) and the sort key (``-`` descending)."""

    plan: str = ""
    region: str = ""
    group: str = ""
    status: str = ""
    indicator: str = ""
    sort: str = ""

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def parse_query(args: Mapping[str, str], rows: pd.DataFrame) -> Query:
    """A Query from request arguments; ValueError with a Chinese reason for a bad one."""
    query = Query(**{name: (args.get(name) or "").strip() for name in Query.__dataclass_fields__})
    choices = {"plan": set(rows["plan_id"]), "region": set(rows["region_adcode"]),
               "group": set(rows["group"]), "status": set(STATUSES),
               "indicator": set(rows["indicator_id"])}
    labels = {"plan": "规划", "region": "地区代码", "group": "指标类别", "status": "状态",
              "indicator": "指标"}
    for name, allowed in choices.items():
        value = getattr(query, name)
        if value and value not in allowed:
            raise ValueError(f"未知的{labels[name]}“{value}”")
    if query.sort and query.sort.lstrip("-") not in SORT_KEYS:
        raise ValueError(f"无法按“{query.sort}”排序，可用：{'、'.join(SORT_KEYS)}")
    return query


def select(rows: pd.DataFrame, query: Query) -> pd.DataFrame:
    """The rows ``query`` keeps, in its order (stable; missing values last)."""
    mask = pd.Series(True, index=rows.index)
    for name, column in (("plan", "plan_id"), ("region", "region_adcode"), ("group", "group"),
                         ("status", "status"), ("indicator", "indicator_id")):
        value = getattr(query, name)
        if value:
            mask &= rows[column] == value
    chosen = rows[mask]
    if query.sort:
        column = SORT_KEYS[query.sort.lstrip("-")]
        chosen = chosen.sort_values(column, ascending=not query.sort.startswith("-"),
                                    kind="stable", na_position="last",
                                    key=_sort_key if column == "region_rank" else None)
    return chosen.reset_index(drop=True)


def _sort_key(series: pd.Series) -> pd.Series:
    return series.map(lambda rank: rank[0] * 1_000_000 + int(rank[1]))


def _valued(value, unit, year, qualifier="", value_max=None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"{format_value(value, unit, qualifier or None, value_max)}（{int(year)}年）"


def required_growth(row: Mapping) -> str:
    """需年均增长 from the baseline to the target: points a year for a %, else a rate."""
    base = row.get("baseline_row")
    if not base or row["year"] <= base["year"] or row.get("rule", "level") not in ("level",
                                                                                 "rank"):
        return MISSING
    years = row["year"] - base["year"]
    b, t = float(base["value"]), float(row["value"])
    if row["unit"] in ("%", "百分点"):
        return f"年均{'提高' if t >= b else '降低'}{format_number(abs(t - b) / years, 2)}个百分点"
    if b <= 0 or t <= 0 or row["unit"] == "位":
        return MISSING
    return f"年均增长{format_percent((t / b) ** (1 / years) - 1)}"


def unmeasured_reason(row: Mapping) -> str:
    """Why no import of actuals can measure a target ("" when one can): a subject that is
    no single zone or entity (a group of zones, an area) has no value of its own to file."""
    if row.get("subject") and not row.get("entity_id"):
        return (f"“{row['subject']}”不是单个园区或机构，无法导入其实际值"
                "（需按规划口径另行汇总）")
    return ""


def display_record(row: Mapping) -> dict[str, str]:
    """The text of every cell of one row, keyed as ``DISPLAY_COLUMNS``."""
    base = row.get("baseline_row")
    holder = row.get("holder") or row.get("subject")
    region = row["region_name"] + (f" · {holder}" if holder else "")
    plan = row["plan_title"]
    if row.get("previous_period") is True:
        plan += f"（所载{row['period_label']}目标）"
    actual = MISSING
    if not _missing(row.get("actual")):
        actual = _valued(row["actual"], row["unit"], row["actual_year"])
    return {
        "region": region, "plan": plan, "indicator": row["indicator_name"],
        "group": row["group"],
        "baseline": _baseline_text(row, base),
        "target": _valued(row["value"], row["unit"], row["year"], row["qualifier"],
                          row["value_max"]),
        "required": required_growth(row), "actual": actual,
        "actual_source": row.get("actual_source") or unmeasured_reason(row) or MISSING,
        "completion": format_percent(row.get("completion")),
        "time_progress": format_percent(row.get("time_progress")),
        "status": row["status"],
        "citation": "；".join(f"《{t}》{s}" for t, s, _ in row["citations"]),
        "quote": " / ".join(quoted(q) for _, _, q in row["citations"]),
        "baseline_citation": _baseline_citation(base),
    }


def _baseline_text(row: Mapping, base) -> str:
    """基期值 as shown; a period total's is the previous period's total, context only."""
    if not base:
        return MISSING
    text = _valued(base["value"], base["unit"], base["year"], base["qualifier"], base["value_max"])
    return f"上一规划期合计{text}（不扣减）" if row.get("rule") == "total" else text


def _baseline_citation(base) -> str:
    if not base:
        return MISSING
    if base.get("note"):
        return base["note"]
    return citation(base["plan_title"], base["section"], base["quote"])


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def display_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows as shown: Chinese headers, every cell as text (CSV, XLSX, PDF)."""
    records = [display_record(row) for row in rows.to_dict("records")]
    frame = pd.DataFrame(records, columns=[key for key, _ in DISPLAY_COLUMNS])
    return frame.rename(columns=dict(DISPLAY_COLUMNS))
