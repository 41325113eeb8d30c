"""The place a platform, lab or institute belongs to, as its name or sentence says:
某大学某研究院 is the university's; 依托某学院重点推进甲中心、乙中心建设 makes the
college the host of both; 支持某高新区建设丙平台 the zone the host of 丙平台."""

from __future__ import annotations

import re

from ingest.plans.names import place_type

HOSTS = ("high_tech_zone", "development_zone", "agri_high_tech_zone", "agri_sci_park",
         "industrial_park", "science_city", "university", "ftz_area", "special_zone")
HOSTED = ("platform", "lab", "research_institute", "incubator", "facility", "functional_area")
_SENTENCE = re.compile(r"[。；！？;!?\n]")
_CLAUSE = re.compile(r"[，,]")
# 依托 / 支持 … then the host (at most 30 characters, no clause break) and the verb.
_HOSTING = re.compile(r"(?:依托|支持|推动|鼓励|引导)([^，。；：、,;:]{2,30}?)"
                      r"(?:重点|加快|积极|全力|大力)?(?:推进|建设|打造|组建|创建|设立|共建|新建|"
                      r"布局|争创|筹建)")
_UNIVERSITY = re.compile(r"大学|学院")


def name_host(name: str) -> str | None:
    """The university a platform's or institute's name begins with (某大学海洋药物研究院)."""
    match = _UNIVERSITY.search(name)
    if match is None or place_type(name) not in HOSTED or match.end() >= len(name) - 1:
        return None
    host = name[:match.end()]
    return host if place_type(host) == "university" and len(host) >= 4 else None


def sentence_host(text: str, start: int) -> str | None:
    """The zone, park or university the clause before ``start`` says hosts what follows."""
    opening = max([m.end() for m in _SENTENCE.finditer(text, max(start - 200, 0), start)]
                  or [max(start - 200, 0)])
    host = None
    for match in _HOSTING.finditer(text, opening, start):
        name = match.group(1)
        if place_type(name) in HOSTS and match.end() <= start \
                and not _CLAUSE.search(text, match.end(), start):
            host = name  # the host of the clause it opens (its list), not of the next one
    return host
