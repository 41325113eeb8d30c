"""Which curated entities the plan extraction misses on the seed plans, and why.

    .venv/bin/python scripts/entity_misses.py [--rejected] [--held-out]

For every entity of data/kb/entities.csv (name or alias) that no candidate of
``innomap plans extract`` names, the words of its curated quote are read again by the
place rules and the miss is put under the first cause that explains it:

- no suffix: the name ends in no suffix of ingest/plans/place_suffixes.csv
  (花果山大道, 市立医院);
- class words only: what is left after the class words is under two characters
  (科技成果产业化基地), and no rule reads it as one place;
- named outside: the institution's name places it outside the plan's region, so it
  is read as a partner (江苏海洋大学 in a city's plan);
- cut elsewhere: a name is read from the quote, but another one (a longer or shorter
  run: 716研究所—东南大学…, 连云港核电建设国际科技合作基地);
- not in the quote: the curated name does not occur in its own quote (an alias or a
  name the curator wrote out).

With --rejected, the candidates no curated entity or partner names are listed too.
With --held-out, the same for the held-out plans of tests/data/plans/ against their
``*_expected.csv`` lists (the quote is the line of the text that names the entity).
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.plans.context import Context, gazetteer, indicator_index  # noqa: E402
from ingest.plans.extract import extract  # noqa: E402
from ingest.plans.names import is_generic, name_runs, place_type  # noqa: E402
from ingest.plans.partners import is_outside  # noqa: E402
from ingest.plans.plan_meta import read_meta  # noqa: E402
from ingest.plans.reading import read_path  # noqa: E402
from layers.plans import load_plans  # noqa: E402
from tests.plan_measure import DATA, kb  # noqa: E402


def cause(names: list[str], quote: str, ctx) -> str:
    """The first cause that explains why none of ``names`` was extracted from ``quote``."""
    found = [n for n in names if n in quote]
    if not found:
        return "not in the quote"
    name = max(found, key=len)
    if place_type(name) is None:
        return "no suffix"
    if is_outside(name, place_type(name), ctx):
        return "named outside"
    if is_generic(name):
        return "class words only"
    return "cut elsewhere"


def held_out(argv: list[str]) -> int:
    """Misses and (with --rejected) rejected candidates of the held-out plans by cause."""
    gaz = gazetteer(str(DATA))
    by_cause: dict[str, list[str]] = defaultdict(list)
    rejected: list[str] = []
    total = 0
    for listing in sorted((ROOT / "tests" / "data" / "plans").glob("*_expected.csv")):
        name = listing.name.removesuffix("_expected.csv")
        with listing.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        reading = read_path(listing.with_name(f"{name}.txt"))
        ctx = Context(read_meta(reading.text, gaz.region_of), gaz, indicator_index(str(DATA)))
        found = {e["name"] for e in extract(reading, DATA)["entities"]}
        accepted = {r["name"] for r in rows if r["group"] in ("entity", "partner")}
        rejected += [f"{name} {n}" for n in sorted(found - accepted)]
        for row in (r for r in rows if r["group"] == "entity"):
            total += 1
            if row["name"] in found:
                continue
            at = reading.text.find(row["name"])
            line = reading.text[reading.text.rfind("\n", 0, at) + 1:reading.text.find("\n", at)] \
                if at >= 0 else ""
            by_cause[cause([row["name"]], line, ctx)].append(f"{name} {row['name']}")
    _report(total, by_cause, rejected if "--rejected" in argv else None)
    return 0


def _report(total: int, by_cause: dict, rejected: list[str] | None) -> None:
    missed = sum(len(v) for v in by_cause.values())
    print(f"{total - missed} of {total} expected entities found, {missed} missed")
    for name, rows in sorted(by_cause.items(), key=lambda item: -len(item[1])):
        print(f"\n{name} ({len(rows)})")
        print("\n".join(f"  {r}" for r in rows))
    if rejected is not None:
        print(f"\nnot expected ({len(rejected)})")
        print("\n".join(f"  {r}" for r in rejected))


def main(argv: list[str]) -> int:
    if "--held-out" in argv:
        return held_out(argv)
    gaz = gazetteer(str(DATA))
    entities = kb("entities.csv")
    known = {n for frame in (entities, kb("partners.csv")) for row in frame.itertuples()
             for n in [row.name, *row.aliases.split("|")] if n}
    by_cause: dict[str, list[str]] = defaultdict(list)
    rejected: list[str] = []
    total = 0
    for plan_id in sorted(load_plans(DATA)):
        path = DATA / "plans" / f"{plan_id}.txt"
        if not path.exists():
            continue
        reading = read_path(path)
        result = extract(reading, DATA)
        ctx = Context(read_meta(reading.text, gaz.region_of), gaz, indicator_index(str(DATA)))
        names = {e["name"] for e in result["entities"]}
        rejected += [f"{plan_id[:3]} {n}" for n in sorted(names - known)]
        for row in entities[entities.plan_id == plan_id].itertuples():
            total += 1
            written = [n for n in [row.name, *row.aliases.split("|")] if n]
            if any(n in names for n in written):
                continue
            runs = [n for _, _, n in name_runs(row.quote, gaz.leads, keep_generic=True)]
            by_cause[cause(written, row.quote, ctx)].append(
                f"{plan_id[:3]} {row.name}  (read from the quote: {'、'.join(runs) or '—'})")
    missed = sum(len(v) for v in by_cause.values())
    print(f"{total - missed} of {total} curated entities found, {missed} missed")
    for name, rows in sorted(by_cause.items(), key=lambda item: -len(item[1])):
        print(f"\n{name} ({len(rows)})")
        print("\n".join(f"  {r}" for r in rows))
    if "--rejected" in argv:
        print(f"\nnot curated ({len(rejected)})")
        print("\n".join(f"  {r}" for r in rejected))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
