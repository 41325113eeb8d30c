"""Benchmarks for ``make bench``: every figure is reported against a baseline
measured in the same run, as a ratio, because the machine is shared and noisy."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """One figure and the baseline it is compared with."""

    case: str
    metric: str
    unit: str
    value: float
    baseline: str
    baseline_value: float
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline_value if self.baseline_value else float("nan")


def median_seconds(func: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``repeat`` calls of ``func``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


CACHE_WORDS = "cache)"  # cases and metrics of answers kept by the response cache say so


def is_cached(result: Result) -> bool:
    """Whether ``result`` times an answer the response cache kept (one URL repeated)."""
    return CACHE_WORDS in result.case or CACHE_WORDS in result.metric


def format_table(results: list[Result]) -> str:
    """Plain-text tables: the figures of new requests first, then those the response
    cache answered, each row with case, metric, value, baseline, baseline value, ratio."""
    fresh = [r for r in results if not is_cached(r)]
    cached = [r for r in results if is_cached(r)]
    parts = [_table(fresh)]
    if cached:
        parts += ["", "Answered from the response cache (one URL repeated; "
                      "not what a new request costs):", _table(cached)]
    notes = [f"* {r.case}: {r.note}" for r in fresh + cached if r.note]
    return "\n".join(parts + notes)


def _table(results: list[Result]) -> str:
    header = ("case", "metric", "value", "baseline", "baseline value", "ratio")
    rows = [header] + [(r.case, r.metric, f"{r.value:,.4g} {r.unit}", r.baseline,
                        f"{r.baseline_value:,.4g} {r.unit}", f"{r.ratio:.3g}x")
                       for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
