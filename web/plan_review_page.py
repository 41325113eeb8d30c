"""What the review page of an uploaded plan shows, as plain data (no Flask).

The reading text is cut into paragraphs at line breaks, except where a
candidate's quote spans one (a table row stays whole). Each paragraph keeps its
offset, its section path and its text cut into segments at every quote boundary,
so the template highlights each quote without ever treating text as markup.
Paragraphs are paged so that a page holds at most ``PAGE_CANDIDATES`` candidates
(a plan of 400 candidates is a few light pages, rendered by the server).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ingest.plans.structure import Sections

PAGE_CANDIDATES = 80
PAGE_PARAGRAPHS = 200
GROUP_LABELS = {"targets": "指标目标", "entities": "创新载体", "tasks": "任务",
                "partnerships": "合作"}
STATUS_LABELS = {"pending": "待审", "accepted": "已接受", "rejected": "已拒绝", "merged": "已合并"}
ACTION_LABELS = {"upload": "上传", "accepted": "接受", "rejected": "拒绝", "merged": "合并",
                 "pending": "改回待审", "edit": "编辑", "add": "添加", "plan": "修改规划信息",
                 "publish": "发布", "rollback": "撤销发布", "accept_section": "接受本节"}


@dataclass
class Paragraph:
    """A run of the reading text with the candidates whose quotes start in it."""

    start: int
    end: int
    section: str
    segments: list[tuple[int, str, tuple[int, ...]]] = field(default_factory=list)
    candidates: list = field(default_factory=list)


def paragraphs(text: str, candidates: list) -> list[Paragraph]:
    """``text`` cut into paragraphs holding ``candidates`` (objects with ``cid``, ``data``
    holding ``start``/``end``); ``with_segments`` cuts a page's paragraphs further."""
    spans = [(c, int(c.data["start"]), int(c.data["end"])) for c in candidates]
    inside = set()
    for _, start, end in spans:
        at = text.find("\n", start, end)
        while 0 <= at < end - 1:
            inside.add(at)
            at = text.find("\n", at + 1, end)
    cuts = [i for i, ch in enumerate(text) if ch == "\n" and i not in inside]
    sections = Sections(text)
    out, position = [], 0
    for cut in [*cuts, len(text)]:
        if text[position:cut].strip():
            out.append(Paragraph(position, cut, sections.at(position)))
        position = cut + 1
    starts = [p.start for p in out]
    for cand, start, _ in sorted(spans, key=lambda s: (s[1], s[0].cid)):
        index = bisect.bisect_right(starts, start) - 1
        if index >= 0:
            out[index].candidates.append(cand)
    return out


def with_segments(text: str, paras: list[Paragraph], candidates: list) -> list[Paragraph]:
    """``paras`` (those of one page) with their text cut at every quote boundary."""
    if not paras:
        return paras
    low, high = paras[0].start, paras[-1].end
    spans = [(c, int(c.data["start"]), int(c.data["end"])) for c in candidates
             if int(c.data["start"]) < high and int(c.data["end"]) > low]
    for para in paras:
        para.segments = _segments(text, para, spans)
    return paras


def _segments(text: str, para: Paragraph, spans) -> list[tuple[int, str, tuple[int, ...]]]:
    """The paragraph's text cut at every quote boundary inside it, with covering cids."""
    own = [(c.cid, max(s, para.start), min(e, para.end)) for c, s, e in spans
           if s < para.end and e > para.start]
    bounds = sorted({para.start, para.end, *(s for _, s, _ in own), *(e for _, _, e in own)})
    segments = []
    for left, right in zip(bounds, bounds[1:], strict=False):
        cover = tuple(cid for cid, s, e in own if s <= left and e >= right)
        segments.append((left, text[left:right], cover))
    return segments


def pages(paras: list[Paragraph]) -> list[tuple[int, int]]:
    """(first, last+1) paragraph indexes of each page."""
    out, first, count = [], 0, 0
    for i, para in enumerate(paras):
        if i > first and (count + len(para.candidates) > PAGE_CANDIDATES
                          or i - first >= PAGE_PARAGRAPHS):
            out.append((first, i))
            first, count = i, 0
        count += len(para.candidates)
    out.append((first, len(paras)))
    return out


def pending_by_section(paras: list[Paragraph]) -> dict[str, dict[int, int]]:
    """{section: {cid: version}} of the pending candidates of every paragraph, whichever
    page shows it: what "接受本节" accepts."""
    out: dict[str, dict[int, int]] = {}
    for para in paras:
        for cand in para.candidates:
            if cand.status == "pending":
                out.setdefault(para.section, {})[cand.cid] = cand.version
    return out


def progress(candidates: list) -> tuple[int, int]:
    """(reviewed, total): every candidate not pending counts as reviewed."""
    return sum(c.status != "pending" for c in candidates), len(candidates)


def summary(cand, labels: dict | None = None) -> str:
    """One line that says what a candidate proposes, in Chinese (a target names the
    knowledge base's indicator it is filed under, or that none is chosen yet).

    ``labels``: {"indicators": {id: name}, "types": {id: label}}."""
    d = cand.data
    labels = labels or {}
    if cand.group == "targets":
        names = labels.get("indicators", {})
        new = (d.get("new_indicator") or {}).get("name")
        filed = f"新建指标“{new}”" if new else names.get(d.get("indicator_id"), "未选指标")
        value = d.get("value")
        top = f"–{d['value_max']}" if d.get("value_max") not in (None, "") else ""
        kind = "基期" if d.get("kind") == "baseline" else "目标"
        qualifier = f"，{d['qualifier']}" if d.get("qualifier") else ""
        return (f"{d.get('indicator') or ''}：{value}{top} {d.get('unit') or ''}"
                f"（{d.get('year') or '?'}年{kind}{qualifier}）→ {filed}")
    if cand.group == "entities":
        kind = labels.get("types", {}).get(d.get("type"), d.get("type") or "类型未定")
        return f"{d.get('name') or ''}（{kind}）"
    if cand.group == "partnerships":
        place = f" · {d['location']}" if d.get("location") else ""
        return f"{d.get('partner') or ''}（{d.get('kind') or ''}）{place}"
    return str(d.get("task") or d.get("work") or "")[:80]
