"""The reading text every citation quotes from (the registry is ``layers.plans_registry``)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from layers.plans_registry import Plan, plan_registry

PLANS_DIR = "plans"
__all__ = ["Plan", "load_plans", "plan_text", "reading_text", "section_of"]
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")
_SENTENCE_END = tuple("。；：！？")
_WRAP_MIN = 18  # a hard-wrapped line is at least this long
_PAGE_NUMBER = re.compile(r"^\d{1,3}$")
_TABLE_ROW = re.compile(r"^(\d{1,2}|序号)\s[^，。；]+\s[≥≤]?[\d.]+\s*(左右|年)?$")
_HEADING = re.compile(r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、)[^。；]*$|^专栏")
_ITEM_START = re.compile(r"^[（(]?[一二三四五六七八九十\d]+[、)）.](?!\d)")


def load_plans(data_dir: Path) -> dict[str, Plan]:
    """Every plan of ``data_dir``, curated and published, by id (``layers.plans_registry``)."""
    return plan_registry(data_dir)


def reading_text(raw: str, unwrap: bool) -> str:
    """The text citations quote: bookmarks removed, hard wraps joined if ``unwrap``."""
    text = _BOOKMARK.sub("", raw)
    return _unwrap(text) if unwrap else text


def _unwrap(text: str) -> str:
    """Join hard-wrapped lines into paragraphs.

    Page-number lines are dropped; headings and table rows stay lines of their
    own; table rows that a page break put inside a paragraph follow it.
    """
    paragraphs: list[str] = []
    deferred: list[str] = []
    is_open = False
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or _PAGE_NUMBER.match(line):
            continue
        if _TABLE_ROW.match(line):
            (deferred if is_open else paragraphs).append(line)
            continue
        if is_open and not _HEADING.match(line) and not _ITEM_START.match(line):
            paragraphs[-1] += line
        else:
            paragraphs.extend(deferred)
            deferred = []
            paragraphs.append(line)
        is_open = _is_wrapped(line) and not _HEADING.match(line)
    paragraphs.extend(deferred)
    return "\n".join(paragraphs) + "\n"


def _is_wrapped(line: str) -> bool:
    """True when a source line was cut by the wrap and its text goes on."""
    return len(line) >= _WRAP_MIN and not line.endswith(_SENTENCE_END)


@lru_cache(maxsize=16)
def _cached_text(path: str, unwrap: bool) -> str:
    return reading_text(Path(path).read_text(encoding="utf-8"), unwrap)


def plan_text(data_dir: Path, plan_id: str) -> str:
    """The reading text of plan ``plan_id``; KeyError naming it if unknown."""
    plans = load_plans(data_dir)
    if plan_id not in plans:
        raise KeyError(f"unknown plan {plan_id!r}")
    path = Path(data_dir) / PLANS_DIR / f"{plan_id}.txt"
    return _cached_text(str(path), plans[plan_id].unwrap)


_HEADING_LEVELS = (
    re.compile(r"^[一二三四五六七八九十]+、"),
    re.compile(r"^[（(]\s*[一二三四五六七八九十]+\s*[）)]"),
    re.compile(r"^(\d{1,2}\s*[．.、](?!\d)|专栏\s*\d*|表\s*\d+|[^，。；\t]{4,30}(指标|目标)$)"),
)
_TITLE_END = re.compile(r"[。；]")


def section_of(text: str, quote: str) -> str:
    """The headings above the first occurrence of ``quote`` in ``text``.

    Headings are the numbered lines of the plans (一、 / （一） / 1． or 专栏, 表);
    the result joins the enclosing ones with " > ", e.g.
    "一、把握新形势新使命，迈向高质量发展新台阶 > （五）发展目标". ValueError
    if ``quote`` is not in ``text``.
    """
    position = text.find(quote)
    if position < 0:
        raise ValueError(f"quote not in text: {quote[:40]!r}")
    chain: list[str | None] = [None] * len(_HEADING_LEVELS)
    for line in text[:position + 1].splitlines()[:-1] + [_line_at(text, position)]:
        heading = heading_of(line)
        if heading:
            level, chain[heading[0]] = heading[0], heading[1]
            chain[level + 1:] = [None] * (len(chain) - level - 1)
    return " > ".join(h for h in chain if h)


def heading_of(line: str) -> tuple[int, str] | None:
    """(level, title) when ``line`` is a heading of the plans (一、 0 / （一） 1 /
    1．, 专栏, 表 2), the title cut at its first 。 or ；; else None."""
    title = line.strip()
    for level, pattern in enumerate(_HEADING_LEVELS):
        if pattern.match(title):
            return level, _TITLE_END.split(title, maxsplit=1)[0][:60].strip()
    return None


def _line_at(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start:end if end >= 0 else len(text)]


# Words that end the name of a place or institution in the plans (…示范区, …产业园,
# …实验室, …大学 …); compound endings come first so that 科技园区 is one ending.
PLACE_SUFFIXES = re.compile(
    r"科技园区|产业园区|工业园区|示范园区|创新园区|示范区|联动发展区|产业园|科技园|创新园|科创园"
    r"|园区|基地|岛|小镇|高新区|开发区|实验室|研究院|研究所|大学(?!科技园|科创园|生|城)|学院"
    r"|科技城|科学城|创新港|试验区|实验区|集聚区|新区|片区")
_NAME_BREAK = re.compile(r"[\s，。；：、！？,;:!?《》【】…／|]")
_NAME_MAX = 30


def place_name_runs(text: str) -> list[tuple[int, str]]:
    """Every place-name ending in ``text`` with the words before it: (end, run).

    A run is the text from the last break (punctuation, space) before the ending
    up to the ending, at most 30 characters: "推进南京工业大学新材料研究院" for the
    ending 研究院. A run names a known place when it ends with that place's name
    or alias; the words before the name (verbs, qualifiers) do not matter.
    """
    runs = []
    for match in PLACE_SUFFIXES.finditer(text):
        window = text[max(match.end() - _NAME_MAX, 0):match.end()]
        breaks = [b.end() for b in _NAME_BREAK.finditer(window)]
        runs.append((match.end(), window[breaks[-1] if breaks else 0:]))
    return runs
