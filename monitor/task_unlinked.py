"""Why a task of a plan serves no target: the reasons the task page lists.

A task the linker (``monitor.task_links``) links to no target is listed with the first
of these that holds: it names only words many indicators share (a field: 知识产权, 人才),
so no one target; its indicator words cover less than half of a target's indicator
name, or qualify another thing (“高新技术产业开发区”); the indicators it names have no
target it may serve; it names only common words; it names no indicator at all.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from monitor.task_links import Vocabulary, targets_of_task, task_text


def unlinked_tasks(tasks: pd.DataFrame, links: pd.DataFrame, indicators: pd.DataFrame,
                   targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """The tasks no target is linked to, each with why (``no``, ``id``, ``task``,
    ``reason``). With ``targets``, the reason tells the words of indicators with a
    target the task may serve (of its region or its plan) from those of others."""
    records = tasks.to_dict("records")
    vocabulary = Vocabulary(indicators, [task_text(t) for t in records])
    linked = set(links["task_id"])
    out = []
    for task in records:
        if task["id"] in linked:
            continue
        here = None
        if targets is not None:
            here = {t["indicator_id"] for t in targets_of_task(task, targets)}
        out.append({"no": int(task["no"]), "id": task["id"], "task": task["task"],
                    "reason": why_unlinked(vocabulary, task_text(task), here)})
    return pd.DataFrame(out, columns=["no", "id", "task", "reason"])


def _listed(words: Iterable[str]) -> str:
    return "、".join(sorted(set(words), key=lambda t: (-len(t), t))[:5])


def why_unlinked(vocabulary: Vocabulary, text: str, here: set | None) -> str:
    """The reason a task saying ``text`` serves none of the indicators ``here`` (None:
    any indicator)."""
    found = {i: vocabulary.found(i, text) for i in vocabulary.parts}
    near = [t for i, ws in found.items() if here is None or i in here for t in ws]
    if near and not vocabulary.specific(near):
        return (f"只提及多项指标共有的领域用语（{_listed(near)}），"
                "不足以确指本地区或本规划的某一目标")
    if near:
        return (f"所提指标用语（{_listed(near)}）不及本地区或本规划任一目标指标名称的一半，"
                "或只是修饰别的事物（如“…开发区”“…服务平台”），不足以确指某一目标")
    elsewhere = [t for ws in found.values() for t in ws]
    if elsewhere:
        return f"所提指标用语（{_listed(elsewhere)}）对应的指标在本地区和本规划都没有目标"
    common = [t for t in vocabulary.terms - set(vocabulary.weight) if t in text and len(t) > 1]
    if common:
        return f"只提及通用词（{_listed(common)}），不足以对应到某一目标"
    return "未提及本地区或本规划任何目标的指标用语或目标值"
