"""Which targets a plan's task serves, by what the task says: reviewable links.

A task is linked to a target of its region when its text (重点工作 and 目标任务) states
a term of the target's indicator: a part of the indicator's name or of one of its
aliases (``variants`` of ``data/kb/indicators.csv``) that reads as a term, or the
target's own figure with its unit (“2.2%”). Every link keeps the words that made it,
so a reviewer reads why. A task the task file itself links (``target_id``) keeps
that link too.

A part of an indicator's words counts as a term when it is a whole name or alias,
or is shared by two or more indicators' words (“研发”, “发明专利”, “高新技术企业”:
the vocabulary the indicator list itself repeats), does not begin or end with a
grammatical or counting character (“的”, “占”, “数”: “值的” is no term), and is not
common: terms in more than a fifth of the plan's tasks or of the indicators
(“科技”, “企业”, “技术”; a term in at most three is never common) say nothing
about one target, nor do the words of
:data:`POLICY_WORDS`, the verbs and office words of any Chinese policy text.
A target lists the terms it is linked by longest first; within one target only the
longest of overlapping terms counts.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

import pandas as pd

# Words of any Chinese policy document that name no measure (verbs, office words).
POLICY_WORDS = frozenset((
    "国家", "省级", "市级", "重点", "工作", "计划", "建设", "发展", "水平", "培育", "支持",
    "推动", "推进", "开展", "实施", "加强", "提升", "合作", "项目", "组织", "资源", "综合",
    "有效", "全面", "高质量", "专业", "集聚", "新型", "机构", "服务", "市场", "行动"))
EDGE_CHARACTERS = frozenset("的与和及等占之为以上中了在对年个家项数率量比总值")
COMMON_SHARE = 0.2
FEW = 3  # a term in at most this many tasks or indicators is never common
LONGEST_TERM = 12
_RUNS = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z&]{2,}")
LINK_COLUMNS = ("task_id", "task_no", "target_id", "indicator_id", "words", "score")


def _words(indicators: pd.DataFrame, indicator_id: str) -> list[str]:
    """The name and aliases of an indicator (upper case for Latin letters)."""
    if indicator_id not in indicators.index:
        return []
    row = indicators.loc[indicator_id]
    variants = str(row.get("variants", "") or "")
    return [w.upper() for w in [str(row["name"]), *variants.split("|")] if w]


def _parts(words: Iterable[str]) -> set[str]:
    """Every run of 2–12 characters of the words, and each Latin token (R&D, GDP)."""
    out = set()
    for word in words:
        for run in _RUNS.findall(word):
            if run.isascii():
                out.add(run)
                continue
            for a in range(len(run)):
                for b in range(a + 2, min(len(run), a + LONGEST_TERM) + 1):
                    out.add(run[a:b])
    return out


def _free_standing(words: set[str]) -> set[str]:
    """Parts that stand on their own: met with two or more different characters (or the
    word's edge) before them and after them (accessor variety; “科技创” is always
    followed by 新, so it is no term, “研发” is followed by 投, 经, 机, 人 …)."""
    before: dict[str, set] = {}
    after: dict[str, set] = {}
    for n, word in enumerate(sorted(words)):
        for run in _RUNS.findall(word):
            for a in range(len(run)):
                for b in range(a + 2, min(len(run), a + LONGEST_TERM) + 1):
                    part = run[a:b]
                    before.setdefault(part, set()).add(run[a - 1] if a else ("edge", n, a))
                    after.setdefault(part, set()).add(run[b] if b < len(run) else ("edge", n, b))
    return {p for p in before if len(before[p]) >= 2 and len(after[p]) >= 2}


class Vocabulary:
    """The terms of every indicator, and how common each is among indicators and tasks."""

    def __init__(self, indicators: pd.DataFrame, task_texts: list[str]):
        words = {i: _words(indicators, i) for i in indicators.index}
        self.parts = {i: _parts(w) for i, w in words.items()}
        whole = {w for ws in words.values() for w in ws}
        self.spread = spread = Counter(p for parts in self.parts.values() for p in parts)
        free = _free_standing({w for ws in words.values() for w in ws})
        self.terms = {p for p, n in spread.items()
                      if (p in whole or (n >= 2 and p in free)) and p not in POLICY_WORDS
                      and p[0] not in EDGE_CHARACTERS and p[-1] not in EDGE_CHARACTERS}
        in_tasks = Counter(p for text in task_texts for p in self.terms if p in text)
        tasks, count = max(len(task_texts), 1), max(len(self.parts), 1)
        self.weight = {}
        for term in self.terms:
            if (in_tasks[term] > max(COMMON_SHARE * tasks, FEW)
                    or spread[term] > max(COMMON_SHARE * count, FEW)):
                continue
            self.weight[term] = len(term) * math.log(1 + tasks / max(in_tasks[term], 1))

    def _stands(self, term: str, text: str) -> bool:
        """True when ``term`` occurs in ``text`` as a word: no two-character term more
        frequent among the indicators than the term's own edge straddles its first or
        last character (“业产” in “农业产业” straddled by 农业, “科技创” in “科技创新” by
        创新; “研发” in “企业研发” stands, 业研 being rarer than 研发)."""
        start = text.find(term)
        while start >= 0:
            end = start + len(term)
            edges = ((text[start - 1:start + 1] if start else "", term[:2]),
                     (text[end - 1:end + 1], term[-2:]))
            if not any(len(w) == 2 and w in self.terms and self.spread[w] > self.spread[own]
                       for w, own in edges):
                return True
            start = text.find(term, start + 1)
        return False

    def found(self, indicator_id: str, text: str) -> list[str]:
        """The indicator's terms in ``text``, longest first, none inside another."""
        hits = [t for t in self.parts.get(indicator_id, ())
                if t in self.weight and self._stands(t, text)]
        hits.sort(key=lambda t: (-len(t), t))
        kept: list[str] = []
        for term in hits:
            if not any(term in longer for longer in kept):
                kept.append(term)
        return kept


def task_text(task) -> str:
    """What a task says: its 重点工作 and 目标任务, Latin letters in upper case."""
    return f"{task.get('work', '') or ''} {task.get('task', '') or ''}".upper()


def figure_words(target, text: str) -> list[str]:
    """The target's figure with its unit (“2.2%”, “700家”) when ``text`` states it."""
    value = target.get("value")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    figure = f"{float(value):g}{target.get('unit') or ''}"
    return [figure] if figure in text and not figure[0] == "0" else []


def link_tasks(tasks: pd.DataFrame, targets: pd.DataFrame,
               indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per (task, target) link: ``LINK_COLUMNS``, strongest first per task.

    ``tasks`` are ``monitor.tasks.task_rows``; ``targets`` are
    ``monitor.table.target_rows`` (each links by its first id); ``indicators`` is
    indexed by id. A task links only to targets of its own region.
    """
    records = tasks.to_dict("records")
    vocabulary = Vocabulary(indicators, [task_text(t) for t in records])
    by_region = {a: group.to_dict("records") for a, group in targets.groupby("region_adcode")}
    out = []
    for task in records:
        text, stated = task_text(task), set(task.get("target_ids") or ())
        for target in by_region.get(task["region_adcode"], []):
            words = vocabulary.found(target["indicator_id"], text)
            words += figure_words(target, text)
            if stated & set(target["ids"]):
                words.append("任务表标注")
            if words:
                score = sum(vocabulary.weight.get(w, 10.0) for w in words)
                out.append((task["id"], int(task["no"]), target["ids"][0],
                            target["indicator_id"], tuple(words), round(score, 2)))
    frame = pd.DataFrame(out, columns=list(LINK_COLUMNS))
    return frame.sort_values(["task_no", "score"], ascending=[True, False],
                             kind="stable").reset_index(drop=True)


def unlinked_tasks(tasks: pd.DataFrame, links: pd.DataFrame,
                   indicators: pd.DataFrame) -> pd.DataFrame:
    """The tasks no target is linked to, each with why (``no``, ``task``, ``reason``)."""
    records = tasks.to_dict("records")
    vocabulary = Vocabulary(indicators, [task_text(t) for t in records])
    linked = set(links["task_id"])
    out = []
    for task in records:
        if task["id"] in linked:
            continue
        text = task_text(task)
        common = sorted(t for t in vocabulary.terms - set(vocabulary.weight)
                        if t in text and len(t) > 1)
        reason = ("未提及本地区任何目标的指标用语或目标值" if not common else
                  "只提及通用词（" + "、".join(common[:5]) + "），不足以对应到某一目标")
        out.append({"no": int(task["no"]), "id": task["id"], "task": task["task"],
                    "reason": reason})
    return pd.DataFrame(out, columns=["no", "id", "task", "reason"])


def tasks_of_targets(links: pd.DataFrame) -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    """Target id → [(task number, words)], in task order."""
    out: dict[str, list] = {}
    for row in links.sort_values("task_no", kind="stable").itertuples():
        out.setdefault(row.target_id, []).append((row.task_no, row.words))
    return out
