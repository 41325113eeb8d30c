"""Whole administrative paths as single names of the geocoder's automaton.

Most addresses start with the path of their unit: 江苏省连云港市海州区…, 连云港海州…,
江苏省海州区…. Scanned name by name, each of those names costs a step of Python
(is it consistent with the names before it?); as one word of the automaton the
whole path is found by the C scan and resolved once, when the gazetteer is built.

A path becomes a word only where that changes nothing: scanning its text alone
finds exactly its names, every one of them accepted, and no other name of the
gazetteer begins at one of its name boundaries and runs past its end (which the
name-by-name scan would have preferred there). :class:`geo.geocode.Geocoder`
checks both with its own scan; a path found after other names is read name by
name again, since its resolution was computed for a text it starts.
"""

from __future__ import annotations

from itertools import product

import pandas as pd


def unit_paths(units: pd.DataFrame, normalize) -> list[tuple[str, ...]]:
    """Every path of names leading to a city or a county, without repeats.

    A county: province, city, county; city, county; province, county. A city:
    province, city. Each unit by its full or its short name, ``normalize``-d.

    Parameters
    ----------
    units : DataFrame
        ``adcode``, ``name``, ``short_name``, ``level``, ``city_adcode`` and
        ``province_adcode`` of every unit (``geo.boundaries.load_units``).
    normalize : callable
        The geocoder's text normalisation (names are matched normalised).

    Returns
    -------
    list of tuple of str
        The names of each path, outermost first.
    """
    names = {row.adcode: tuple(dict.fromkeys(n for n in (normalize(row.name),
                                                         normalize(row.short_name or ""))
                                             if n))
             for row in units.itertuples(index=False)}
    out: dict[tuple[str, ...], None] = {}
    for row in units.itertuples(index=False):
        if row.level not in ("city", "county"):
            continue
        province = row.province_adcode if row.province_adcode != row.adcode else None
        city = getattr(row, "city_adcode", None) or None
        city = city if row.level == "county" and city != row.adcode else None
        chains = [(province, city, row.adcode), (city, row.adcode), (province, row.adcode)]
        for chain in chains:
            codes = [c for c in chain if c]
            if len(codes) < 2 or any(c not in names for c in codes):
                continue
            for combo in product(*(names[c] for c in codes)):
                out[combo] = None
    return list(out)


def word_prefixes(words) -> set[str]:
    """Every proper prefix of every word (what a longer word may start with)."""
    return {w[:i] for w in words for i in range(1, len(w))}
