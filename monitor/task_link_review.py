"""A reviewer's decisions on task links: confirm or remove, read from a plain CSV.

``data/kb/task_link_overrides.csv`` has one row per decision: ``task_id``,
``target_id`` (any id of the target row), ``decision`` (``confirm`` or ``remove``)
and ``reviewer_note`` (why; shown as the link's evidence, “审核确认：…”).
"""

from __future__ import annotations

import pandas as pd

# The columns of a link frame (monitor.task_links.link_tasks).
LINK_COLUMNS = ("task_id", "task_no", "target_id", "indicator_id", "words", "score")
OVERRIDE_COLUMNS = ("task_id", "target_id", "decision", "reviewer_note")
DECISIONS = {"confirm": "审核确认", "remove": "审核删除"}


def read_overrides(path) -> pd.DataFrame:
    """A reviewer's decisions on links (``OVERRIDE_COLUMNS``); an absent file holds none.
    ValueError (in Chinese) naming the row of a decision other than confirm/remove."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        return pd.DataFrame(columns=list(OVERRIDE_COLUMNS))
    missing = [c for c in OVERRIDE_COLUMNS[:3] if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}：缺少列 {'、'.join(missing)}")
    for n, decision in enumerate(frame["decision"], start=2):
        if decision not in DECISIONS:
            raise ValueError(f"{path} 第 {n} 行：decision 应为 confirm 或 remove，"
                             f"而非“{decision}”")
    return frame.reindex(columns=list(OVERRIDE_COLUMNS), fill_value="")


def apply_overrides(links: pd.DataFrame, overrides: pd.DataFrame, tasks: pd.DataFrame,
                    targets: pd.DataFrame) -> pd.DataFrame:
    """``links`` with a reviewer's decisions: a removed link is dropped, a confirmed one
    kept (or added) with the word 审核确认 and the reviewer's reason. A decision on a
    task or target not in ``tasks``/``targets`` (another plan's) changes nothing. A
    target may be named by any of its ids."""
    first = {i: ids[0] for ids in targets["ids"] for i in ids}
    indicator = dict(zip(targets["ids"].map(lambda ids: ids[0]), targets["indicator_id"]))
    task_no = dict(zip(tasks["id"], tasks["no"].astype(int)))
    decided = {(r.task_id, first[r.target_id]): (r.decision, _reviewed(r.reviewer_note))
               for r in overrides.itertuples() if r.task_id in task_no and r.target_id in first}
    rows = [row._asdict() for row in links.itertuples(index=False)
            if decided.get((row.task_id, row.target_id), ("",))[0] != "remove"]
    for row in rows:
        decision, word = decided.get((row["task_id"], row["target_id"]), ("", ""))
        if decision == "confirm":
            row["words"] = (*row["words"], word)
    have = {(r["task_id"], r["target_id"]) for r in rows}
    for (task_id, target_id), (decision, word) in decided.items():
        if decision == "confirm" and (task_id, target_id) not in have:
            rows.append({"task_id": task_id, "task_no": task_no[task_id],
                         "target_id": target_id, "indicator_id": indicator[target_id],
                         "words": (word,), "score": 0.0})
    return pd.DataFrame(rows, columns=list(LINK_COLUMNS))


def _reviewed(note: str) -> str:
    """The word a confirmed link shows: 审核确认, with the reviewer's reason."""
    return f"{DECISIONS['confirm']}：{note}" if note else DECISIONS["confirm"]
