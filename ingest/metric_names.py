"""Suggestions for an indicator name the importer does not know.

A header or a 指标 cell that names no indicator of ``data/kb/indicators.csv`` exactly is
refused, but with the indicators it most resembles — by any of their names (the
official one and the plan's variants) — so that “研发经费投入强度” is answered with
“您是不是要找：全社会研发投入占地区生产总值比重（rd_intensity）？”. Matching is
difflib's ratio on the comparison keys (NFKC, no spaces, lower case), with the text's
unit in brackets set aside; only names of at most :data:`MAX_NAME` characters are
compared, so the work is bounded.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from ingest.base import HEADER_UNIT, Indicators
from ingest.keys import key

MIN_SCORE = 0.6  # below this a name is not offered
MAX_SUGGESTIONS = 3
MAX_NAME = 100


def suggestions(indicators: Indicators, text: str) -> list[str]:
    """Ids of the indicators ``text`` most resembles, best first (at most three)."""
    match = HEADER_UNIT.match(text or "")
    wanted = key(match.group(1) if match else text)[:MAX_NAME]
    if not wanted:
        return []
    best: dict[str, float] = {}
    for name, ids in indicators.names().items():
        score = _score(wanted, name[:MAX_NAME])
        for indicator_id in ids:
            best[indicator_id] = max(best.get(indicator_id, 0.0), score)
    ranked = sorted((s, i) for i, s in best.items() if s >= MIN_SCORE)
    ranked.sort(key=lambda si: (-si[0], si[1]))
    return [i for _, i in ranked[:MAX_SUGGESTIONS]]


def _score(wanted: str, name: str) -> float:
    """Similarity of two keys, 0–1; one inside the other counts as close."""
    ratio = SequenceMatcher(None, wanted, name, autojunk=False).ratio()
    if len(wanted) >= 2 and len(name) >= 2 and (wanted in name or name in wanted):
        ratio = max(ratio, 0.75)
    return ratio


def did_you_mean(indicators: Indicators, text: str) -> str:
    """“您是不是要找：名称（id）？” for ``text``, or "" when nothing is close."""
    found = suggestions(indicators, text)
    if not found:
        return ""
    named = "、".join(f"{indicators.by_id[i].name}（{i}）" for i in found)
    return f"您是不是要找：{named}？"
