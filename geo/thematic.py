"""Thematic mapping core: values, classification, palettes and legends.

Framework-free: the interactive maps (``web/maps.py``) and the static exports
use the same functions, so a class break, a colour and a legend label are the
same on both surfaces.

The public API is small:

- :data:`VALUE_KINDS` – ``baseline``, ``target``, ``gap`` (target − baseline),
  ``cagr`` (compound annual growth needed from baseline to target, in %/年);
- :func:`value_table` – one value per region for an indicator, kind and year,
  with the plan citations it rests on;
- :func:`time_steps` – the years (2020 → 2025) an indicator has values for;
- :data:`SCHEMES` and :func:`classify` – classes (:mod:`geo.classes`) with an explicit
  no-data class (``class_index == -1``, label :data:`NO_DATA_LABEL`);
- :func:`palette` and :func:`class_colors` – colour-blind-safe ColorBrewer
  colours (sequential for levels, diverging around zero for gaps);
- :func:`legend` – breaks, labels, colours, counts and the unit;
  :func:`label_decimals` gives the decimals values are shown with
  (:func:`geo.numbers.format_number` writes them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo import classes, value_kinds
from geo.numbers import format_number
from geo.speaking import regional_rows, speaking_rows

VALUE_KINDS = tuple(value_kinds.REGISTRY)  # the registry in geo.value_kinds
VALUE_KIND_LABELS = {k.id: k.label for k in value_kinds.REGISTRY.values()} | \
    value_kinds.OTHER_LABELS
SCHEMES = ("quantiles", "natural_breaks", "equal_interval", "user_defined")
SCHEME_LABELS = {"quantiles": "分位数", "natural_breaks": "自然断点（Fisher-Jenks）",
                 "equal_interval": "等间距", "user_defined": "自定义断点"}
FIRST_YEAR, LAST_YEAR = 2020, 2025
NO_DATA_LABEL = "无数据"
NO_DATA_COLOR = "#d9d9d9"
SEQUENTIAL = "YlGnBu"   # ColorBrewer, colour-blind safe, 3–9 classes
DIVERGING = "PuOr"      # ColorBrewer, colour-blind safe, 3–11 classes
MAX_CLASSES = 9
CAGR_UNIT = value_kinds.CAGR_UNIT
REQUIRED_COLUMNS = ("region_adcode", "indicator_id", "year", "value", "kind")
SOURCE_COLUMNS = ("kind", "year", "value", "value_max", "qualifier", "plan_id", "section",
                  "quote", "source", "period_label", "previous_period")


@dataclass(frozen=True)
class Classification:
    """Classes of a set of values.

    ``bins`` are the upper bounds of the classes (class ``i`` holds values in
    ``(bins[i-1], bins[i]]``, the first ``[lower, bins[0]]``); ``class_index``
    gives each input value its class, ``-1`` for no data (NaN).
    """

    scheme: str
    lower: float
    bins: tuple[float, ...]
    labels: tuple[str, ...]
    class_index: np.ndarray
    counts: tuple[int, ...]
    no_data_count: int

    @property
    def k(self) -> int:
        return len(self.bins)


@dataclass(frozen=True)
class LegendEntry:
    label: str
    color: str
    count: int
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class Legend:
    """What a legend shows: title, unit, one entry per class, then the no-data class."""

    title: str
    unit: str
    entries: tuple[LegendEntry, ...]
    no_data: LegendEntry

    def to_dict(self) -> dict:
        return {"title": self.title, "unit": self.unit,
                "entries": [vars(e) for e in self.entries], "no_data": vars(self.no_data)}


def classify(values, scheme: str = "quantiles", k: int = 5,
             breaks=None) -> Classification:
    """Classify ``values`` with a scheme of :mod:`geo.classes`; NaN goes to the no-data class.

    Parameters
    ----------
    values : array-like of float
        One value per region; NaN (or None) means no data.
    scheme : str
        One of :data:`SCHEMES`: ``quantiles``, ``natural_breaks`` (Fisher-Jenks),
        ``equal_interval`` or ``user_defined``.
    k : int
        Number of classes, 1 … :data:`MAX_CLASSES`; fewer when the values have
        fewer distinct numbers. Ignored for ``user_defined``.
    breaks : sequence of float, optional
        Strictly increasing upper class bounds for ``user_defined``; the largest
        value closes a last class when it is above the last break.

    Returns
    -------
    Classification
        With ``class_index[i] == -1`` where ``values[i]`` is NaN. Labels read
        ``lower – upper``; when every value is a whole number (counts) they
        name the whole numbers a class holds (``0``, ``2 – 5``; ``—`` if none).

    Raises
    ------
    ValueError
        Unknown scheme, ``k`` out of range, or missing/unsorted breaks.

    Examples
    --------
    >>> c = classify([1.5, 2, 3, None], "equal_interval", k=2)
    >>> c.bins, c.class_index.tolist(), c.labels
    ((2.25, 3.0), [0, 0, 1, -1], ('1.5 – 2.25', '> 2.25 – 3'))
    >>> classify([0, 0, 1, 3, 16], "user_defined", breaks=[0, 1, 5]).labels
    ('0', '1', '2 – 5', '6 – 16')
    """
    y = np.asarray(pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce"),
                   dtype=float)
    _check_scheme(scheme, k, breaks)
    present = ~np.isnan(y)
    index = np.full(len(y), -1, dtype=int)
    if not present.any():
        return Classification(scheme, math.nan, (), (), index, (), int(len(y)))
    data = y[present]
    lower, bins, members = _classify_present(data, scheme, k, breaks)
    index[present] = members
    counts = tuple(int((members == i).sum()) for i in range(len(bins)))
    integral = bool(np.all(np.mod(data, 1) == 0))
    labels = _integer_labels(lower, bins) if integral else _labels(lower, bins)
    return Classification(scheme, lower, bins, labels, index, counts, int((~present).sum()))


def _check_scheme(scheme, k, breaks) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    if scheme == "user_defined":
        if breaks is None or len(breaks) == 0:
            raise ValueError("scheme 'user_defined' needs breaks")
        b = [float(x) for x in breaks]
        if any(math.isnan(x) or math.isinf(x) for x in b):
            raise ValueError(f"breaks must be finite numbers, got {list(breaks)}")
        if any(b2 <= b1 for b1, b2 in zip(b, b[1:])):
            raise ValueError(f"breaks must be strictly increasing, got {list(breaks)}")
        if len(b) > MAX_CLASSES:
            raise ValueError(f"at most {MAX_CLASSES} breaks, got {len(b)}")
    elif not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_CLASSES:
        raise ValueError(f"k must be an integer 1…{MAX_CLASSES}, got {k!r}")


def _classify_present(data: np.ndarray, scheme: str, k: int, breaks):
    """(lower, bins, class per value) for finite ``data``."""
    lower = float(data.min())
    distinct = np.unique(data)
    if scheme != "user_defined" and (len(distinct) == 1 or k == 1):
        return lower, (float(data.max()),), np.zeros(len(data), dtype=int)
    if scheme == "user_defined":
        edges = classes.user_defined(data, [float(b) for b in breaks])
    elif scheme == "quantiles":
        edges = classes.quantiles(data, min(k, len(distinct)))
    elif scheme == "natural_breaks":
        edges = classes.fisher_jenks(data, min(k, len(distinct)))
    else:
        edges = classes.equal_interval(data, k)
    bins = tuple(float(b) for b in edges)
    return min(lower, bins[0]), bins, classes.assign(data, edges)


def _decimals(lower: float, bins: tuple[float, ...]) -> int:
    """Decimal places that tell the breaks apart, at most 3."""
    edges = np.array((lower,) + bins)
    steps = np.diff(edges)
    steps = steps[steps > 0]
    if not len(steps):
        return 0 if float(lower).is_integer() else 2
    return int(min(3, max(0, -math.floor(math.log10(steps.min())) + 1)))


def label_decimals(classification: Classification) -> int:
    """Decimal places to show values of ``classification`` with (those of its labels)."""
    return _decimals(classification.lower, classification.bins) if classification.k else 2



def _labels(lower: float, bins: tuple[float, ...]) -> tuple[str, ...]:
    decimals = _decimals(lower, bins)
    edges = (lower,) + bins
    labels = []
    for a, b in zip(edges, edges[1:]):
        low, high = format_number(a, decimals), format_number(b, decimals)
        # classes are (a, b] after the first: "> a – b" keeps shared bounds apart
        if labels:
            labels.append(f"> {low} – {high}")
        else:
            labels.append(low if low == high else f"{low} – {high}")
    return tuple(labels)


def _integer_labels(lower: float, bins: tuple[float, ...]) -> tuple[str, ...]:
    """Labels for counts: the whole numbers each class holds, '3', '4 – 16', or '—'."""
    labels = []
    for i, upper in enumerate(bins):
        low = math.ceil(lower) if i == 0 else math.floor(bins[i - 1]) + 1
        high = math.floor(upper)
        if low > high:
            labels.append("—")
        else:
            labels.append(f"{low:,}" if low == high else f"{low:,} – {high:,}")
    return tuple(labels)


def palette(kind: str, k: int) -> list[str]:
    """``k`` ColorBrewer colours (hex, light to dark) for a value kind.

    Sequential YlGnBu for levels (baseline, target, cagr, counts); diverging
    PuOr for ``gap``. Both are colour-blind safe. ``k`` is 1 … 9 (11 for gap).

    >>> palette("target", 3)
    ['#edf8b1', '#7fcdbb', '#2c7fb8']
    """
    diverging = _diverging(kind)
    top = 11 if diverging else MAX_CLASSES
    if not 1 <= k <= top:
        raise ValueError(f"k must be 1…{top} for kind {kind!r}, got {k}")
    from branca.utilities import color_brewer  # branca: when a map is first coloured

    colours = color_brewer(DIVERGING if diverging else SEQUENTIAL, max(k, 3))
    return {1: [colours[1]], 2: [colours[0], colours[2]]}.get(k, colours)


def _diverging(kind: str) -> bool:
    found = value_kinds.REGISTRY.get(kind)
    return bool(found and found.diverging)


def class_colors(classification: Classification, kind: str) -> list[str]:
    """One colour per class. For ``gap`` the diverging palette is centred on 0:
    classes at or below zero take the orange side, classes above it the purple.
    """
    k = classification.k
    if k == 0:
        return []
    if not _diverging(kind):
        return palette(kind, k)
    negative = sum(1 for b in classification.bins if b <= 0)
    positive = k - negative
    side = max(negative, positive)
    from branca.utilities import color_brewer

    full = color_brewer(DIVERGING, min(11, max(3, 2 * side + 1)))
    middle = len(full) // 2
    left = full[middle - negative:middle] if negative else []
    right = full[middle + 1:middle + 1 + positive]
    return left + right


def legend(classification: Classification, colors: list[str], title: str,
           unit: str) -> Legend:
    """Legend entries for the classes, then the explicit 无数据 class."""
    if len(colors) != classification.k:
        raise ValueError(f"{classification.k} classes but {len(colors)} colours")
    edges = (classification.lower,) + classification.bins
    entries = tuple(LegendEntry(label, color, count, lower, upper) for label, color, count,
                    lower, upper in zip(classification.labels, colors,
                                        classification.counts, edges, edges[1:]))
    return Legend(title, unit or "", entries,
                  LegendEntry(NO_DATA_LABEL, NO_DATA_COLOR, classification.no_data_count))


def value_colors(classification: Classification, colors: list[str]) -> list[str]:
    """The fill colour of every classified value; no data gets :data:`NO_DATA_COLOR`."""
    return [colors[i] if i >= 0 else NO_DATA_COLOR for i in classification.class_index]


def value_unit(kind: str, unit: str) -> str:
    """The unit of a value kind: the indicator's, 百分点 for a gap in %, %/年 for cagr."""
    found = value_kinds.REGISTRY.get(kind)
    return found.unit(unit) if found else unit or ""


def _check_frame(frame: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"value frame lacks columns {missing}")


def _plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The attribute table of ``frame`` without any geometry column."""
    geometry = frame.geometry.name if hasattr(frame, "geometry") else None
    return pd.DataFrame(frame.drop(columns=[geometry] if geometry else []))


def _rows(frame: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    _check_frame(frame)
    rows = regional_rows(_plain_frame(frame[frame["indicator_id"] == indicator_id]))
    if "source" in rows.columns:  # a plan's indicator table before its prose
        rows = rows.sort_values("source", key=lambda s: s != "table", kind="stable")
    rows = rows.assign(year=pd.to_numeric(rows["year"], errors="coerce"),
                       value=pd.to_numeric(rows["value"], errors="coerce"))
    rows = rows[rows["year"].notna() & rows["value"].notna()]
    for column in SOURCE_COLUMNS + ("unit",):
        if column not in rows.columns:
            rows[column] = None
    return rows.assign(year=rows["year"].astype(int)).reset_index(drop=True)


def time_steps(frame: pd.DataFrame, indicator_id: str) -> list[tuple[int, str]]:
    """The (year, kind) steps an indicator has values for, in time order.

    A year with baselines is a baseline step unless it is the last target year
    (or has no baselines); e.g. ``[(2020, 'baseline'), (2023, 'target'),
    (2025, 'target')]``. Only real values are steps: nothing is interpolated.
    """
    rows = _rows(frame, indicator_id)
    baseline_years = set(rows.loc[rows["kind"] == "baseline", "year"])
    target_years = set(rows.loc[rows["kind"] == "target", "year"])
    last_target = max(target_years, default=None)
    steps = []
    for year in sorted(baseline_years | target_years):
        is_baseline = year in baseline_years and (year not in target_years
                                                  or year != last_target)
        steps.append((int(year), "baseline" if is_baseline else "target"))
    return steps


def _pick(rows: pd.DataFrame, kind: str, year: int | None, before: pd.Series | None = None):
    """One row per region of ``kind`` (:func:`speaking_rows`), at ``year`` or the latest
    before a year per region (``before``: adcode → year)."""
    if before is not None:
        limit = rows["region_adcode"].map(before)
        rows = rows[limit.notna() & (rows["year"] < limit)]
    return speaking_rows(rows, None, kind, year).set_index("region_adcode")


def _sources(row) -> list[dict]:
    if row is None or (isinstance(row, float) and math.isnan(row)):
        return []
    return [{c: _plain(row[c]) for c in SOURCE_COLUMNS}]


def _plain(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return v.item() if isinstance(v, np.generic) else v


def value_table(frame: pd.DataFrame, indicator_id: str, value_kind: str,
                year: int | None = None) -> pd.DataFrame:
    """One value per region for an indicator, kind and year, with its citations.

    Parameters
    ----------
    frame : DataFrame
        Long table of values, one row per baseline/target: ``region_adcode``,
        ``indicator_id``, ``year``, ``value``, ``kind`` (``baseline``/``target``)
        and optionally ``unit``, ``value_max``, ``qualifier``, ``plan_id``,
        ``section``, ``quote`` (the ``targets`` layer, or any layer with the same
        columns, e.g. imported county metrics). Rows without a region, and rows
        of a zone or entity (non-empty ``subject`` or ``entity_id``), are
        skipped. Where a region has several rows for one year, a row with
        ``source == "table"`` (the plan's indicator table) wins, then file order.
    indicator_id : str
    value_kind : str
        One of :data:`VALUE_KINDS`.
    year : int, optional
        ``baseline``/``target``: the year of the value (default: each region's
        latest). ``gap``/``cagr``: the target year (default: latest); the baseline
        is the region's latest baseline before it.

    Returns
    -------
    DataFrame
        ``region_adcode``, ``value`` (float; NaN where it cannot be computed,
        e.g. CAGR from a zero baseline), ``unit`` (of the value kind), ``year``,
        ``baseline``, ``baseline_year``, ``target``, ``target_year``,
        ``qualifier`` and ``sources`` (list of dicts: kind, year, value,
        value_max, qualifier, plan_id, section, quote, source), sorted by adcode. A range
        target (2—3个) takes its lower bound ``value``; ``value_max`` stays in
        the sources.

    Raises
    ------
    ValueError
        Unknown value kind or missing columns.
    """
    if value_kind not in VALUE_KINDS:
        raise ValueError(f"value_kind must be one of {', '.join(VALUE_KINDS)}, "
                         f"got {value_kind!r}")
    rows = _rows(frame, indicator_id)
    unit = next((u for u in rows["unit"] if isinstance(u, str) and u), "")
    if value_kinds.REGISTRY[value_kind].compute is None:  # a stated value: the row's own
        picked = _pick(rows, value_kind, year)
        out = pd.DataFrame({"value": picked["value"].astype(float), "year": picked["year"],
                            value_kind: picked["value"], f"{value_kind}_year": picked["year"],
                            "qualifier": picked["qualifier"]})
        out["sources"] = [_sources(r) for _, r in picked.iterrows()]
    else:
        out = _change(rows, value_kind, year)
    out = out.reset_index(names="region_adcode").sort_values("region_adcode")
    out["unit"] = value_unit(value_kind, unit)
    for column in ("baseline", "baseline_year", "target", "target_year"):
        if column not in out.columns:
            out[column] = np.nan
    columns = ["region_adcode", "value", "unit", "year", "baseline", "baseline_year",
               "target", "target_year", "qualifier", "sources"]
    return out[columns].reset_index(drop=True)


def _change(rows: pd.DataFrame, value_kind: str, year: int | None) -> pd.DataFrame:
    """A computed kind (gap, CAGR …) from each region's target and its latest earlier
    baseline."""
    target = _pick(rows, "target", year)
    baseline = _pick(rows, "baseline", None, before=target["year"])
    both = target.index.intersection(baseline.index)
    t, b = target.loc[both], baseline.loc[both]
    tv, bv = t["value"].astype(float), b["value"].astype(float)
    value = value_kinds.REGISTRY[value_kind].compute(t, b)
    out = pd.DataFrame({"value": value.astype(float), "year": t["year"],
                        "baseline": bv, "baseline_year": b["year"],
                        "target": tv, "target_year": t["year"],
                        "qualifier": t["qualifier"]})
    out["sources"] = [_sources(b.loc[a]) + _sources(t.loc[a]) for a in both]
    return out


def indicator_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Indicators that have regional values: id, name, unit, kinds, years, regions
    (how many) and adcodes (which)."""
    _check_frame(frame)
    rows = regional_rows(_plain_frame(frame))
    if "indicator_name" not in rows.columns:
        rows = rows.assign(indicator_name=rows["indicator_id"])
    if "unit" not in rows.columns:
        rows = rows.assign(unit="")
    grouped = rows.groupby("indicator_id", sort=True)
    return pd.DataFrame({
        "indicator_name": grouped["indicator_name"].first(),
        "unit": grouped["unit"].first(),
        "kinds": grouped["kind"].agg(lambda s: tuple(sorted(set(s)))),
        "years": grouped["year"].agg(lambda s: tuple(sorted({int(y) for y in s
                                                             if pd.notna(y)}))),
        "regions": grouped["region_adcode"].nunique(),
        "adcodes": grouped["region_adcode"].agg(lambda s: tuple(sorted(set(s)))),
    }).reset_index()
