"""Partnership candidates: universities and institutes outside the plan's region that
the plan names in a passage of cooperation (合作, 共建, 联合, 引进, 对接 …).

An institution is outside when the administrative unit its name holds is not in the
plan's region, or when its name holds none and does not begin with the region's
name (清华大学 for a city plan). Partnership kinds follow the knowledge base's
vocabulary by the words of the clause.
"""

from __future__ import annotations

import re

from ingest.plans.context import within
from ingest.plans.names import is_generic, name_runs, place_type

_INSTITUTION_TYPES = ("university", "research_institute", "lab")
_COOPERATION = re.compile(r"合作|共建|联合|引进|对接|携手|战略|签约|校地|产学研|协同|依托|联建|"
                          r"培养|转化|招引")
_KINDS = (("战略合作", re.compile(r"战略|框架|协议|签约")),
          ("共建平台", re.compile(r"共建|联建|研究院|研究中心|创新中心|分院|基地")),
          ("人才培养", re.compile(r"培养|培训|人才|定向")),
          ("引进成果与人才", re.compile(r"引进|转化|招引|成果")),
          ("产学研合作", re.compile(r".")))
_SENTENCE_MAX = 200
_CLAUSE = re.compile(r"[。；！？\n]")


def is_outside(name: str, kind: str | None, ctx) -> bool:
    """True when ``name`` is an institution outside the plan's region."""
    if kind not in _INSTITUTION_TYPES or not ctx.region_name:
        return False
    if kind != "university" and host_university(name):
        return False  # an institute a university built in the region (…大学…研究院)
    college = name.find("大学") + 2
    if 2 < college < len(name) and ctx.region_name[:2] in name[college:]:
        return False  # a university's college named by the region (某大学某区创新学院)

    region = ctx.region_adcode
    result = ctx.gazetteer.geocoder.geocode(name)
    if region and result.status == "matched" and result.best.kind == "admin" \
            and _places_it(name, result.best, ctx):
        if kind == "lab" and within(region, result.best.adcode):
            return False  # 某省（市）重点实验室: graded by the province or city holding the region
        return not within(result.best.adcode, region)  # 安徽大学 is outside 宿州市
    if result.status == "ambiguous":
        return False
    if name.startswith(("中国", "国家")) and kind != "lab":
        return True  # a national institution is outside every region
    return kind == "university" and ctx.region_name[:2] not in name


_LIST_CLAUSE = re.compile(r"[，。；：！？,;:!?\n（）()“”]")
_LIST_TAIL = re.compile(r"等[\u4e00-\u9fff]{0,8}$")


def listed_with_local(text: str, start: int, end: int, ctx) -> bool:
    """True when the institution at ``text[start:end]`` is an item of a list (A、B、C等)
    another item of which is the region's own by name (某市学院、某大学等市内高校): the
    list is of local institutions, unless the name itself names a province or city."""
    unit = ctx.gazetteer.geocoder.geocode(text[start:end])
    if unit.status == "matched" and unit.best.kind == "admin" and unit.best.level != "county" \
            and not within(ctx.region_adcode, unit.best.adcode):
        return False  # named by another province or city; the one holding the region may be
    left = max([m.end() for m in _LIST_CLAUSE.finditer(text, max(start - 120, 0), start)]
               or [max(start - 120, 0)])
    right = next((m.start() for m in _LIST_CLAUSE.finditer(text, end, end + 120)), end + 120)
    if "、" not in text[left:right]:
        return False
    region = ctx.region_name[:2]
    for item in text[left:right].split("、"):
        for _, _, name in name_runs(_LIST_TAIL.sub("", item)):
            if name != text[start:end] and place_type(name) in _INSTITUTION_TYPES \
                    and region and name.startswith(region):
                return True
    return False


def _places_it(name: str, unit, ctx) -> bool:
    """Whether the unit found in ``name`` is where the institution is: a province or city
    anywhere in it, a county only by its full name or a short name the name opens with
    (a county's short name inside a name is often a lake or a mountain: …太湖实验室)."""
    if unit.level != "county" or unit.name in name:
        return True
    units = ctx.gazetteer.units
    short = str(units.loc[unit.adcode, "short_name"]) if unit.adcode in units.index else ""
    return bool(short) and name.startswith(short)


def _provincial(name: str, ctx) -> str | None:
    """"省产业技术研究院" in a city's plan is its province's: 江苏省产业技术研究院."""
    units, region = ctx.gazetteer.units, ctx.region_adcode
    if not name.startswith("省") or name[1:2] == "级" \
            or place_type(name) not in _INSTITUTION_TYPES \
            or region not in units.index or units.loc[region, "level"] == "province":
        return None
    province = units.loc[region, "province_adcode"]
    return ctx.gazetteer.name(province) + name[1:] if province in units.index else None


def host_university(name: str) -> str | None:
    """The university an institute's name begins with (南京工业大学新材料研究院), if any."""
    at = max(name.find("大学"), name.find("学院"))
    if not 0 < at < len(name) - 2:
        return None
    return re.split(r"[—－]", name[:at + 2])[-1]  # 甲所—乙大学联合中心: 乙大学


def partnership_candidates(reading, ctx) -> list[dict]:
    """One candidate per (institution, sentence) where the sentence speaks of cooperation."""

    text = reading.text
    out = []
    for block in reading.blocks:
        if block.kind == "heading":
            continue
        block_text = text[block.start:block.end]
        for start, end, run in name_runs(block_text, keep_generic=True):
            name = _provincial(run, ctx) or run
            if name == run and is_generic(run):
                continue
            if not is_outside(name, place_type(name), ctx) \
                    or listed_with_local(block_text, start, end, ctx):
                host = host_university(name) if place_type(name) != "university" else None
                if not host or not is_outside(host, "university", ctx):
                    continue
                name, end = host, start + len(host)
            near = max(start - _SENTENCE_MAX, 0)
            s = max([m.end() for m in _CLAUSE.finditer(block_text, near, start)] or [near])
            far = min(end + _SENTENCE_MAX, len(block_text))
            e = next((m.start() for m in _CLAUSE.finditer(block_text, end, far)), far)
            sentence = block_text[s:e]
            if not _COOPERATION.search(sentence):
                continue
            kind = next(k for k, pattern in _KINDS if pattern.search(sentence))
            out.append({"partner": name, "as_written": run, "type": place_type(name),
                        "kind": kind,
                        "region_adcode": ctx.region_adcode, "quote": sentence,
                        "section": block.section, "start": block.start + s,
                        "end": block.start + e})
    return out
