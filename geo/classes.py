"""Class breaks of a map's values, in numpy alone.

Four schemes, each returning the classes' upper bounds (``bins``, increasing);
:func:`assign` gives every value its class. The conventions are those of
mapclassify 2.x (PySAL), which the maps used before and which
``tests/test_classes.py`` compares against, so that a map keeps its classes:

- a class holds the values in ``(bins[i-1], bins[i]]``; the first class also holds
  everything at or below ``bins[0]``;
- :func:`quantiles` – the ``100·i/k`` percentiles, interpolated between neighbours of
  the sorted values; repeated percentiles (many tied values) collapse, so there may
  be fewer than ``k`` classes;
- :func:`fisher_jenks` – the optimal partition of the sorted values into ``k``
  runs (natural breaks: least total squared deviation from each class's mean),
  each class closing at its largest value; of equally good partitions, the one
  whose later classes start earliest;
- :func:`equal_interval` – ``k`` classes of equal width from the minimum, the last
  closing at the maximum;
- :func:`user_defined` – the given upper bounds, plus the maximum when it lies above
  the last of them.

A map has at most a few thousand units: Fisher–Jenks is the exact dynamic
programme, ``O(k·n²)`` arithmetic done a class at a time over blocks of class ends.
Nothing here imports scipy, scikit-learn or matplotlib (a worker that draws a map
stays small).
"""

from __future__ import annotations

import numpy as np

BLOCK = 256  # class ends per step of the Fisher–Jenks programme (BLOCK·n floats each)
TIE = 1e-9  # relative to the total squared deviation: partitions this close are equal


def assign(values, bins) -> np.ndarray:
    """The class of each value: the first ``i`` with ``value <= bins[i]``.

    >>> assign([0, 1, 2, 5], [1, 5]).tolist()
    [0, 0, 1, 1]
    """
    return np.searchsorted(np.asarray(bins, dtype=float), np.asarray(values, dtype=float),
                           side="left")


def user_defined(values, breaks) -> np.ndarray:
    """``breaks`` as bins, closed by the largest value when it is above the last break.

    >>> user_defined([1, 7], [2, 5]).tolist()
    [2.0, 5.0, 7.0]
    """
    bins = np.asarray(breaks, dtype=float)
    top = float(np.max(values))
    return np.append(bins, top) if bins[-1] < top else bins


def equal_interval(values, k: int) -> np.ndarray:
    """``k`` classes of width ``(max − min) / k``; the last bound is the maximum.

    >>> equal_interval([0, 1, 10], 4).tolist()
    [2.5, 5.0, 7.5, 10.0]
    """
    y = np.asarray(values, dtype=float)
    low, high = float(y.min()), float(y.max())
    if low == high:
        raise ValueError("equal intervals need at least two distinct values")
    width = (high - low) / k
    bins = np.arange(low + width, high + width, width)[:k]  # a float step may overshoot
    bins[-1] = high
    return bins


def quantiles(values, k: int) -> np.ndarray:
    """The distinct ``100·i/k`` percentiles (``i = 1 … k``) of ``values``.

    A percentile between two sorted values ``a ≤ b`` at fraction ``f`` of the way is
    the weighted mean ``(a·(1 − f) + b·f) / ((1 − f) + f)``.

    >>> quantiles([1, 2, 3, 4, 5], 4).tolist()
    [2.0, 3.0, 4.0, 5.0]
    >>> quantiles([1, 1, 1, 1, 5], 4).tolist()
    [1.0, 5.0]
    """
    ordered = np.sort(np.asarray(values, dtype=float))
    step = 100.0 / k
    percents = np.arange(step, 100 + step, step)
    percents[-1] = min(percents[-1], 100.0)
    return np.unique([_percentile(ordered, p) for p in percents])


def _percentile(ordered: np.ndarray, percent: float) -> float:
    position = percent / 100.0 * (len(ordered) - 1)
    below = int(position)
    if below == position:
        return float(ordered[below])
    weights = np.array([below + 1 - position, position - below])
    return float((ordered[below:below + 2] * weights).sum() / weights.sum())


def fisher_jenks(values, k: int) -> np.ndarray:
    """Natural breaks: the upper bounds of the optimal ``k`` classes of ``values``.

    ``k`` must not exceed the number of distinct values.

    >>> fisher_jenks([1, 2, 3, 10, 11, 12, 30], 3).tolist()
    [3.0, 12.0, 30.0]
    """
    ordered = np.sort(np.asarray(values, dtype=float))
    if not 1 <= k <= len(np.unique(ordered)):
        raise ValueError(f"k must be 1 … the number of distinct values, got {k}")
    starts = _optimal_starts(ordered, k)
    return np.append(ordered[np.asarray(starts[1:], dtype=int) - 1], ordered[-1])


def _optimal_starts(ordered: np.ndarray, k: int) -> list[int]:
    """Index of the first value of each of the ``k`` optimal classes (``[0, …]``)."""
    n = len(ordered)
    centred = ordered - ordered.mean()  # smaller sums, less cancellation
    sums = np.concatenate(([0.0], np.cumsum(centred)))
    squares = np.concatenate(([0.0], np.cumsum(centred * centred)))
    ends = np.arange(1, n + 1)
    # cost[m]: least squared deviation of the first m values in the classes so far
    cost = squares[1:] - sums[1:] ** 2 / ends
    cost = np.concatenate(([0.0], cost))
    choices = []  # per class after the first: for each end m, where its last class starts
    for _ in range(1, k):
        cost, start = _next_class(cost, sums, squares)
        choices.append(start)
    starts, end = [], n
    for start in reversed(choices):
        starts.append(int(start[end]))
        end = starts[-1]
    return [0] + starts[::-1]


def _next_class(cost: np.ndarray, sums: np.ndarray, squares: np.ndarray):
    """One more class: for each count ``m`` of first values, the best cost and where
    its last class starts (ties: the earliest start).

    Costs equal but for rounding (repeated values make exact ties, e.g. two pairs of
    neighbours equally worth merging) count as ties: within ``TIE`` of the data's
    total squared deviation.
    """
    n = len(cost) - 1
    slack = TIE * max(float(squares[-1] - sums[-1] ** 2 / n), np.finfo(float).tiny)
    best = np.full(n + 1, np.inf)
    where = np.zeros(n + 1, dtype=np.int64)
    for low in range(2, n + 1, BLOCK):
        ends = np.arange(low, min(low + BLOCK, n + 1))  # m: classes over values [0, m)
        begins = np.arange(1, ends[-1])                  # s: the last class is [s, m)
        width = ends[:, None] - begins[None, :]
        s1 = sums[ends][:, None] - sums[begins][None, :]
        s2 = squares[ends][:, None] - squares[begins][None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            total = cost[begins][None, :] + s2 - s1 * s1 / width
        total[width <= 0] = np.inf
        least = total.min(axis=1)
        pick = np.argmax(total <= (least + slack)[:, None], axis=1)  # the earliest start
        best[ends] = least
        where[ends] = begins[pick]
    best[1] = cost[1]  # one value: every later class empty
    where[1] = 1
    return best, where
