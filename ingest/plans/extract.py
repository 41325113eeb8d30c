"""All candidates of one plan document: the plan, targets, places, tasks, partnerships.

``extract(reading, data_dir)`` runs every rule over the reading text and returns
one JSON-ready dict (schema in the README, "Reading a new plan"). Every
candidate carries ``quote`` (an exact substring of the reading text),
``section`` (the headings above it) and ``start``/``end`` (its offsets).
"""

from __future__ import annotations

from pathlib import Path

from ingest.plans.context import Context, gazetteer, indicator_index
from ingest.plans.plan_meta import read_meta
from ingest.plans.reading import Reading
from ingest.plans.target_lines import listed_targets
from ingest.plans.targets import prose_targets, table_targets


def extract(reading: Reading, data_dir: Path) -> dict:
    """The candidates of ``reading``, checked to quote the text exactly."""
    gaz = gazetteer(str(data_dir))
    meta = read_meta(reading.text, gaz.region_of)
    ctx = Context(meta, gaz, indicator_index(str(data_dir)))
    tasks, task_spans = _tasks(reading, ctx)
    targets = table_targets(reading, ctx) + listed_targets(reading, ctx) \
        + prose_targets(reading, ctx) + prose_targets(reading, ctx, task_spans)
    result = {"plan": meta.as_dict(), "targets": targets, "entities": _entities(reading, ctx),
              "tasks": tasks, "partnerships": _partnerships(reading, ctx)}
    _check_quotes(reading.text, result)
    return result


def _tasks(reading, ctx):
    from ingest.plans.tasks import task_rows
    return task_rows(reading, ctx)


def _entities(reading, ctx):
    from ingest.plans.places import place_candidates
    return place_candidates(reading, ctx)


def _partnerships(reading, ctx):
    from ingest.plans.partners import partnership_candidates
    return partnership_candidates(reading, ctx)


def _check_quotes(text: str, result: dict) -> None:
    """Every candidate's quote is ``text[start:end]``; a rule that breaks this is a bug."""
    for group in ("targets", "entities", "tasks", "partnerships"):
        for candidate in result[group]:
            if text[candidate["start"]:candidate["end"]] != candidate["quote"]:
                raise AssertionError(f"{group} candidate quotes a span it does not hold: "
                                     f"{candidate['quote'][:40]!r}")
