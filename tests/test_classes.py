"""geo/classes.py gives a map the classes mapclassify gave it (same bins, same class
of every value), and its natural breaks are the optimal partition.

mapclassify is a test dependency only: it is the reference here, the service does not
import it (a worker drawing a map would carry scipy, scikit-learn and matplotlib).
"""

from __future__ import annotations

import itertools
import warnings

import mapclassify
import numpy as np
import pytest

from geo import classes, thematic

SCHEMES = ("quantiles", "natural_breaks", "equal_interval", "user_defined")


def _reference(y: np.ndarray, scheme: str, k: int, breaks=None):
    """mapclassify's classifier, with k lowered to the distinct values as a map does."""
    distinct = len(np.unique(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba absent; k lowered for repeated values
        if scheme == "user_defined":
            return mapclassify.UserDefined(y, bins=list(breaks))
        if scheme == "quantiles":
            return mapclassify.Quantiles(y, k=min(k, distinct))
        if scheme == "natural_breaks":
            return mapclassify.FisherJenks(y, k=min(k, distinct))
        return mapclassify.EqualInterval(y, k=k)


def _ours(y: np.ndarray, scheme: str, k: int, breaks=None):
    result = thematic.classify(y, scheme, k=k, breaks=breaks)
    return np.array(result.bins), result.class_index


def _squared_deviation(y: np.ndarray, members: np.ndarray) -> float:
    return float(sum(((y[members == c] - y[members == c].mean()) ** 2).sum()
                     for c in np.unique(members)))


def _assert_same(y, scheme, k, breaks=None):
    expected = _reference(y, scheme, k, breaks)
    bins, members = _ours(y, scheme, k, breaks)
    assert bins.tolist() == np.asarray(expected.bins, dtype=float).tolist(), (scheme, k, y)
    assert members.tolist() == np.asarray(expected.yb).tolist(), (scheme, k, y)


def _random_sets():
    """Value sets of every shape a map meets, from a fixed seed."""
    rng = np.random.default_rng(20261206)
    sets = []
    for n in (2, 3, 7, 19, 40, 75):
        sets.append(rng.normal(0, 10, n))                        # negative and positive
        sets.append(np.round(rng.lognormal(3, 1.5, n), 2))       # skewed, 2 decimals
        sets.append(np.round(rng.lognormal(9, 1.2, n), 1))       # large (GDP-like)
        sets.append(np.round(rng.uniform(-1, 1, n), 3))
    return sets


def _knowledge_base_sets(targets) -> list[np.ndarray]:
    """Every map the knowledge base can draw: an indicator's values by region (cities
    and counties) for each value kind and year, and all its values pooled."""
    sets = []
    regions = targets.groupby("indicator_id")["region_adcode"].nunique()
    for indicator in sorted(regions.index[regions > 1]):  # a map of one region has 1 class
        steps = [(None, kind) for kind in thematic.VALUE_KINDS]
        for year, kind in steps + thematic.time_steps(targets, indicator):
            table = thematic.value_table(targets, indicator, kind, year=year)
            values = table["value"].dropna().to_numpy(dtype=float)
            if len(np.unique(values)) > 1:
                sets.append(values)
    for _, pooled in targets.groupby("indicator_id")["value"]:
        pooled = pooled.dropna().to_numpy(dtype=float)
        if len(np.unique(pooled)) > 1:
            sets.append(pooled)
    return sets


@pytest.mark.parametrize("scheme", ("quantiles", "natural_breaks", "equal_interval"))
def test_random_values_get_mapclassify_classes(scheme):
    for y in _random_sets():
        for k in range(2, thematic.MAX_CLASSES + 1):
            _assert_same(y, scheme, k)


def test_knowledge_base_maps_get_mapclassify_classes(targets):
    sets = _knowledge_base_sets(targets)
    assert len(sets) >= 20
    for y in sets:
        for scheme in ("quantiles", "natural_breaks", "equal_interval"):
            for k in (2, 3, 5, 7, 9):
                _assert_same(y, scheme, k)
        low, high = float(np.min(y)), float(np.max(y))
        _assert_same(y, "user_defined", 5, breaks=[low + (high - low) / 3, (low + high) / 2])


def test_repeated_values_and_k_above_the_distinct_values():
    cases = [np.array([5.0, 5.0, 5.0, 7.0]), np.array([1.0, 1.0, 1.0, 1.0, 2.0, 9.0]),
             np.array([-3.0, -3.0, 0.0, 0.0, 0.0, 4.0, 4.0]), np.array([0.0, 10.0]),
             np.array([2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 8.0])]
    for y in cases:
        for k in range(2, thematic.MAX_CLASSES + 1):
            for scheme in ("quantiles", "natural_breaks", "equal_interval"):
                _assert_same(y, scheme, k)


def test_quantiles_collapse_repeated_percentiles_as_mapclassify_does():
    y = np.array([0.0] * 30 + [1.0] * 5 + [2.0, 3.0, 50.0])
    expected = _reference(y, "quantiles", 5)
    assert len(expected.bins) < 5  # the case: tied values make repeated percentiles
    _assert_same(y, "quantiles", 5)


def test_user_breaks_below_inside_and_above_the_values():
    y = np.array([-4.0, 0.0, 0.5, 1.0, 3.0, 3.0, 12.0])
    for breaks in ([0.0], [0.0, 1.0, 5.0], [-10.0, -5.0], [20.0, 30.0], [1.0, 3.0, 12.0]):
        _assert_same(y, "user_defined", 5, breaks=breaks)


def test_single_value_and_no_data():
    result = thematic.classify([4.0, None, 4.0], "natural_breaks", k=5)
    assert result.bins == (4.0,) and result.class_index.tolist() == [0, -1, 0]
    assert thematic.classify([None, None], "quantiles").class_index.tolist() == [-1, -1]


def test_ties_of_counts_are_optimal_and_mostly_mapclassify_s_choice():
    """Whole numbers with many repeats make partitions of exactly equal merit; there
    mapclassify's choice rests on float32 rounding. Ours is always one of the best, and
    the same as mapclassify's in the large majority of cases."""
    rng = np.random.default_rng(7)
    same = total = 0
    for n in (12, 25, 40, 60):
        for _ in range(4):
            y = rng.integers(-3, 6, n).astype(float)
            for k in range(2, len(np.unique(y)) + 1):
                expected = _reference(y, "natural_breaks", k)
                bins, members = _ours(y, "natural_breaks", k)
                total += 1
                if bins.tolist() == np.asarray(expected.bins, dtype=float).tolist():
                    same += 1
                    assert members.tolist() == np.asarray(expected.yb).tolist()
                else:
                    assert _squared_deviation(y, members) == pytest.approx(
                        _squared_deviation(y, np.asarray(expected.yb)), rel=1e-9)
    assert same >= 0.8 * total


def _best_by_enumeration(y: np.ndarray, k: int) -> float:
    """Least within-class squared deviation of sorted ``y`` in ``k`` runs, by trying
    every set of k − 1 cut points."""
    ordered = np.sort(y)
    best = np.inf
    for cuts in itertools.combinations(range(1, len(ordered)), k - 1):
        parts = np.split(ordered, cuts)
        best = min(best, sum(float(((p - p.mean()) ** 2).sum()) for p in parts))
    return best


def test_natural_breaks_are_the_optimal_partition():
    rng = np.random.default_rng(3)
    for n in (5, 8, 11):
        for _ in range(5):
            y = np.round(rng.lognormal(1, 1, n), 1)
            for k in range(2, min(5, len(np.unique(y))) + 1):
                members = classes.assign(y, classes.fisher_jenks(y, k))
                assert len(np.unique(members)) == k
                assert _squared_deviation(y, members) == pytest.approx(
                    _best_by_enumeration(y, k), rel=1e-9, abs=1e-12)


def test_natural_breaks_of_a_country_of_counties():
    """~2,900 values (every county of the country) in 9 classes: each class a run of
    the sorted values, no move of a boundary value to the next class improves it."""
    y = np.random.default_rng(11).lognormal(3, 1, 2900)
    bins = classes.fisher_jenks(y, 9)
    members = classes.assign(y, bins)
    assert len(bins) == 9 and bins[-1] == y.max()
    assert np.bincount(members).min() >= 1
    base = _squared_deviation(y, members)
    for c in range(8):  # the largest value of class c moved into class c + 1
        moved = members.copy()
        moved[np.argmax(np.where(members == c, y, -np.inf))] = c + 1
        assert _squared_deviation(y, moved) >= base - 1e-9 * base


def test_fisher_jenks_refuses_more_classes_than_distinct_values():
    with pytest.raises(ValueError):
        classes.fisher_jenks([1.0, 1.0, 2.0], 3)
    with pytest.raises(ValueError):
        classes.equal_interval([4.0, 4.0], 2)
