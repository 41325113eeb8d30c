"""Plan extraction: the time from a plan's bytes to its candidates, per 100 KB of text.

What an official waits for after an upload: ``read_document`` then ``extract`` on the
five registered plans and the three held-out plans of the tests. The first document of
a process also reads the gazetteer and the indicator index; that figure is given on its
own. There is no peer that extracts the same candidates, so the baseline is a budget.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from benchmarks import Result

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
HELD_OUT = ROOT / "tests" / "data" / "plans"
PLANS = sorted((DATA / "plans").glob("*.txt")) + sorted(HELD_OUT.glob("*.txt"))
BUDGET_S_PER_100KB = 1.0
KB100 = 100 * 1024


def _extract(data: bytes) -> float:
    from ingest.plans.extract import extract
    from ingest.plans.reading import read_document

    start = time.perf_counter()
    extract(read_document(data), DATA)
    return time.perf_counter() - start


def run() -> list[Result]:
    docs = [path.read_bytes() for path in PLANS]
    first = _extract(docs[0])
    per_100kb = [_extract(data) * KB100 / len(data) for data in docs]
    size = sum(len(data) for data in docs) // 1024
    note = (f"{len(docs)} plans, {size} KiB; first document of a process "
            f"(gazetteer and indicator index read): {first:.2f} s for "
            f"{len(docs[0]) // 1024} KiB")
    return [Result("plan extraction", "time per 100 KB (median of plans)", "s",
                   statistics.median(per_100kb), "budget", BUDGET_S_PER_100KB, note),
            Result("plan extraction", "time per 100 KB (slowest plan)", "s",
                   max(per_100kb), "budget", BUDGET_S_PER_100KB)]
