"""Place candidates (entities): named zones, parks, platforms, labs, universities,
corridors, typed by the word their name ends with.

``ingest.plans.names`` finds every name in the text; this module proposes each distinct
one once, with its parent, quote and position. The gazetteer places a name that
holds an administrative name (沭阳经济技术开发区 → 沭阳县, county_centroid);
otherwise the plan's region (city_centroid / province_centroid), graded so.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.plans.context import within
from ingest.plans.hosts import HOSTED, HOSTS, name_host, sentence_host
from ingest.plans.names import STRUCTURE, is_generic, name_runs, place_type, suffix_types
from ingest.plans.partners import is_outside, listed_with_local
from ingest.plans.structure_parts import part_type, structure_parts


def place_candidates(reading, ctx) -> list[dict]:
    """One candidate per distinct place name, at its first mention, placed and graded."""

    seen: dict[str, dict] = {}
    text = reading.text
    for block in reading.blocks:
        if block.kind == "heading" and len(text[block.start:block.end]) < 8:
            continue
        block_text = text[block.start:block.end]
        for match in STRUCTURE.finditer(block_text):
            name = match.group(0)
            if match.start() >= 2 and block_text[match.start() - 2] in _COUNTS:
                continue  # the tail of a count of other things (一镇一园一平台)
            if name not in seen:
                seen[name] = {**_candidate(name, block.start + match.start(),
                                           block.start + match.end(), block, ctx),
                              "type": "structure"}
        _add_structure_parts(seen, block, block_text, ctx)
        for start, end, name in name_runs(block_text, ctx.gazetteer.leads, keep_generic=True):
            if name in seen or _in_title(block_text, start) or _BRANCH.match(block_text, end) \
                    or (is_outside(name, place_type(name), ctx)
                        and not listed_with_local(block_text, start, end, ctx)) \
                    or _class_of_units(name, ctx) \
                    or (is_generic(name) and (not _one_by_kind(name, ctx)
                                              or _STATUS.search(block_text, 0, start))):
                continue
            seen[name] = _candidate(name, block.start + start, block.start + end, block, ctx,
                                    block_text[start:end], sentence_host(block_text, start))
    return list(seen.values())


_COUNTS = tuple("一二两三四五六七八九十多")
# a rank a named zone gets or seeks (获批国家高新区, 争创国家级经济技术开发区): no place
_STATUS = re.compile(r"(获批|升格为|晋升为|争创|创建|创成|申建|认定为)$")
# the host named right before its branch (某研究所某市分所): the branch is the place
_BRANCH = re.compile(r"[^\s，。；、在设建立的]{0,4}?分(所|院|中心|部|基地)")


def _add_structure_parts(seen: dict, block, block_text: str, ctx) -> None:
    """The parts a block spells out of the structure it names (“一道”即…): typed, and
    with the structure as parent."""

    for start, end, name, word in structure_parts(block_text):
        if name in seen:
            continue
        structures = [m.group(0) for m in STRUCTURE.finditer(block_text, 0, start)
                      if word in m.group(0)]
        seen[name] = {**_candidate(name, block.start + start, block.start + end, block, ctx),
                      "type": part_type(name, word),
                      "parent": structures[-1] if structures else None}


def _in_title(text: str, start: int) -> bool:
    """True inside a document's title 《…》: 《某市科技企业孵化器认定办法》 names no place."""
    opening = text.rfind("《", 0, start)
    return opening >= 0 and "》" not in text[opening:start]


_UNIT_CLASSES = ("incubator", "platform", "lab")
# A city has one national zone of a kind, and one 综合保税区, 经开区 or 农高区.
_OWN_ZONE = re.compile(r"^((国家级|国家)(高新区|高新技术产业开发区|经济技术开发区|农业科技园区|"
                       r"农业高新技术产业示范区)|综合保税区|经开区|农高区)$")


def _own_zone(name: str, ctx) -> bool:
    """True when a city's or county's plan names its own zone by its kind alone
    (国家农业科技园区, 综合保税区): one place, the region's, not a class (省级高新区)."""
    units, region = ctx.gazetteer.units, ctx.region_adcode
    return bool(_OWN_ZONE.match(name)) and region in units.index \
        and units.loc[region, "level"] != "province"


def _one_by_kind(name: str, ctx) -> bool:
    """True when a name made of class words is still one place: the region's own zone
    (综合保税区), its own institution (市农科院 in a city's plan), a corridor or belt
    (a plan draws one, never a class of them), or a unit's one (某县省级农业科技园区)."""
    return _own_zone(name, ctx) or _own_institution(name, ctx) or _corridor(name) \
        or (place_type(name) not in _UNIT_CLASSES and ctx.gazetteer.leads(name))


_LEVEL_WORD = {"province": "省", "city": "市", "county": "县"}
_OWN_KINDS = ("research_institute", "university")
_NOT_OWN = ("级", "内", "外", "属", "区", "县")  # 市级…, 市内…, 市区…: not the region's own one


def _own_institution(name: str, ctx) -> bool:
    """市农科院 in a city's plan, 省产业技术研究院 in a province's: the level word of the
    plan's own region then an institution's name (not 市级…, a class)."""
    units, region = ctx.gazetteer.units, ctx.region_adcode
    if region not in units.index or place_type(name) not in _OWN_KINDS:
        return False
    word = _LEVEL_WORD.get(units.loc[region, "level"], "")
    return bool(word) and name.startswith(word) and name[1:2] not in _NOT_OWN


def _corridor(name: str) -> bool:
    """A corridor or belt named by what it runs along (沿海科技走廊, 沿江…研发带) is one
    place, though its words are class words."""
    return place_type(name) == "corridor" and name.startswith("沿") and len(name) > 4


_LEVELS = re.compile(r"国家级|省级|市级|县级|区级|各类|各级|重点|新型")
_UNIT_WORDS = ("省", "市", "县", "区", "旗", "州", "盟")


def _class_of_units(name: str, ctx) -> bool:
    """True for a region's class of platforms (宿州市众创空间, 某市省级重点实验室: all of
    the city's), not one: the unit's name then only a level and the kind; a branch
    (某市分中心) is one."""
    kind = place_type(name)
    if kind not in _UNIT_CLASSES:
        return False
    row = ctx.gazetteer.leading_unit(name)
    if row is None:
        return False
    suffix = next(s for s, _ in suffix_types() if name.endswith(s))
    if kind == "lab" and name == row + suffix and not row.endswith(_UNIT_WORDS):
        return False  # a lab named by the short name alone (某某实验室) is one lab
    words = _LEVELS.sub("", name[len(row):len(name) - len(suffix)]).lstrip("市县区省")
    return not words and not suffix.startswith("分")


def _candidate(name: str, start: int, end: int, block, ctx, quote: str | None = None,
               host: str | None = None) -> dict:
    place = locate(name, ctx)
    return {"name": name, "type": place_type(name), "parent": _parent(name, block.section, host),
            **place,
            "quote": quote or name, "section": block.section, "start": start, "end": end}


def _parent(name: str, section: str, host: str | None = None) -> str | None:
    """The place a platform, lab or institute is part of: the university its name begins
    with, the host its sentence names (依托某学院推进…), else the zone, park or university
    its section's innermost heading names (（二）支持某农高区…), else None."""

    if place_type(name) not in HOSTED:
        return None
    if name_host(name):
        return name_host(name)
    for parent in (host, heading_place(section)):
        if parent and place_type(parent) in HOSTS and parent not in name and name not in parent:
            return parent
    return None


def locate(name: str, ctx) -> dict:
    """County, grade and point of a name: its county or city inside the plan's region
    if it names one, else the region itself if a city or county; never a guessed site
    (a name in a province's plan that names no city has no point)."""
    gaz = ctx.gazetteer
    region = ctx.region_adcode
    result = gaz.geocoder.geocode(name)
    best = result.best if result.status == "matched" and result.best.kind == "admin" else None
    if best is not None and region and not within(best.adcode, region):
        best = None
    if best is None and region:
        fallback = gaz.geocoder.geocode(gaz.name(region))
        best = fallback.best if fallback.status == "matched" else None
    if best is None or best.precision not in _GRADES:
        # no unit smaller than a province: the plan does not say where it is
        return {"county_adcode": None, "precision": None, "lon": None, "lat": None}
    point = best.geometry.representative_point() if best.geometry is not None else None
    return {"county_adcode": best.county_adcode if best.level == "county" else None,
            "precision": best.precision,
            "lon": round(point.x, 6) if point else None,
            "lat": round(point.y, 6) if point else None}


_ZONE_TYPES = ("high_tech_zone", "development_zone", "agri_high_tech_zone", "agri_sci_park")
_CLASS_WORDS = re.compile(r"以上|各|一批|省级|市级|县级|若干|等")


def one_place(name: str) -> bool:
    """A named place, or a zone named by its kind alone (高新区, 国家级农业高新技术产业示范区)."""
    return not is_generic(name) or (place_type(name) in _ZONE_TYPES
                                    and not _CLASS_WORDS.search(name))


def heading_place(section: str) -> str | None:
    """The place the innermost heading of a section path names, if any."""
    return _heading_place(section.rsplit(" > ", 1)[-1]) if section else None


@lru_cache(maxsize=512)
def _heading_place(heading: str) -> str | None:
    runs = [r for r in name_runs(heading, keep_generic=True) if one_place(r[2])]
    return runs[-1][2] if runs else None


_GRADES = ("county_centroid", "city_centroid")  # of data/kb/precision_grades.csv
