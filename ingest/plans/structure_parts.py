"""The parts of a spatial structure a plan spells out: “一道两区多节点” … “一道”即某大道；
“两区”即以某路为分界线形成的南北两片区 … “多节点”即…，主要包括甲园区、乙核心区等.

A part is named right after 即 (after 以 / 沿 / 指 up to 为 or the clause's end),
in the list after 包括 in the same clause, or by its direction (南片区, 东翼) there;
items of a list are split at 、 和 及 以及 and lose a closing 等…. A descriptive
phrase (…分布的…) is no name. Parts take the type of their suffix, else a type
by the structure word they explain (道 → corridor_line, 区 → corridor_zone,
节点 → corridor_node).
"""

from __future__ import annotations

import re

from ingest.plans.names import place_type

# “两区”即 …… up to the end of the clause (bounded: no nested repetition).
_DEFINITION = re.compile(r"“([一二两三四五六七八九十多])([\u4e00-\u9fff]{1,3})”(?:即|是指|指)")
_CLAUSE_END = re.compile(r"[；;。\n“]")
_FIRST_END = re.compile(r"[，,；;。\n]")
_LIST_WORDS = re.compile(r"(?:主要)?(?:包括|包含|涵盖)")
_SPLIT = re.compile(r"以及|、|和|及")
_CLOSING = re.compile(r"等[\u4e00-\u9fff]{0,10}$")
_DIRECTION = re.compile(r"(?<![其东南西北])[东南西北]{1,2}(?:片区|翼|组团)")
_PART_MAX = 20
_LINE = re.compile(r"(大道|路|街|公路|高速|铁路|江|河)$")
_TYPE_OF_WORD = (("道", "corridor_line"), ("轴", "corridor_line"), ("廊", "corridor_line"),
                 ("带", "corridor_line"), ("区", "corridor_zone"), ("片", "corridor_zone"),
                 ("园", "corridor_zone"), ("翼", "corridor_zone"))


def structure_parts(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, name, structure word) of every part ``text`` defines."""
    out = []
    for match in _DEFINITION.finditer(text):
        word = match.group(2)
        end_match = _CLAUSE_END.search(text, match.end())
        clause_end = end_match.start() if end_match else len(text)
        first = _FIRST_END.search(text, match.end(), clause_end)
        head_end = first.start() if first else clause_end
        out.extend(_items(text, match.end(), head_end, word, lead=True))
        listing = _LIST_WORDS.search(text, match.end(), clause_end)
        if listing:
            stop = _FIRST_END.search(text, listing.end(), clause_end)
            out.extend(_items(text, listing.end(), stop.start() if stop else clause_end, word))
        out.extend((m.start(), m.end(), m.group(0), word)
                   for m in _DIRECTION.finditer(text, match.end(), clause_end))
    return out


def _items(text: str, start: int, end: int, word: str, lead: bool = False):
    span = text[start:end]
    if lead and span[:1] in ("以", "由"):
        start, span = start + 1, span[1:]
        cut = span.find("为")
        span = span[:cut] if cut > 0 else span
    out, at = [], start
    for piece in _SPLIT.split(span):
        piece_start = at + span[at - start:].find(piece) if piece else at
        at = piece_start + len(piece)
        name = _CLOSING.sub("", piece)
        if 2 <= len(name) <= _PART_MAX and "的" not in name \
                and re.fullmatch(r"[\u4e00-\u9fff\w“”（）]+", name):
            out.append((piece_start, piece_start + len(name), name, word))
    return out


def part_type(name: str, word: str) -> str:
    """The part's suffix type, else the type its structure word gives it."""
    kind = place_type(name)
    if kind:
        return kind
    if _LINE.search(name):
        return "corridor_line"
    return next((t for w, t in _TYPE_OF_WORD if word.endswith(w)), "corridor_node")
