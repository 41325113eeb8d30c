"""Offline geocoding of names and Chinese addresses against boundaries and entities.

The gazetteer is built from two sources held in memory, nothing is looked up
on the network:

- administrative units of the boundaries (full and short names: 沭阳县 / 沭阳,
  宿迁市 / 宿迁; 拼音 of cities and counties: ``Suzhou`` is 宿州 *and* 苏州);
- entities of the plan knowledge base (name and ``|``-separated aliases), plus
  generic words such as 高新区 that stand for a whole type of entity.

A text is scanned left to right for the longest known name at each position, by
one Aho–Corasick automaton over every name (``pyahocorasick``): one pass over the
text whatever the number of names, so the gazetteer of every unit of the country
costs no more per text than that of one province.
Administrative names are resolved hierarchically (province → city → county): a
name is kept only where it is consistent with the units found before it, so
``江苏省连云港市海州区朝阳东路`` resolves to 海州区 and a later street such as
洪泽湖路 does not pull it to 洪泽区. An entity name consistent with the
administrative context wins over the administrative unit. When more than one
place fits equally well, the result is ``ambiguous`` with every candidate; it
is never guessed.

Geometry of an administrative match is a point guaranteed inside the unit
(``representative_point``), graded ``province_centroid`` / ``city_centroid`` /
``county_centroid``; an entity keeps its own geometry and precision grade.
All geometry is WGS84 (EPSG:4326).
"""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import ahocorasick
import geopandas as gpd
import pandas as pd
import shapely
import shapely.geometry

from geo.name_index import name_automaton, outermost, related, touches

STATUSES = ("matched", "ambiguous", "unmatched")
# Answers kept for texts repeated close together (a column of a batch); more would
# cost the garbage collector more than repeating the work.
ANSWERS_KEPT = 10_000
ADMIN_PRECISION = {"province": "province_centroid", "city": "city_centroid",
                   "county": "county_centroid"}
# Words that name a kind of entity rather than one entity: 高新区 alone is any
# high-tech zone, and is resolved only when the administrative context leaves one.
GENERIC_TERMS = {
    "高新区": "high_tech_zone",
    "高新技术产业开发区": "high_tech_zone",
    "高新技术开发区": "high_tech_zone",
    "经开区": "development_zone",
    "经济开发区": "development_zone",
    "经济技术开发区": "development_zone",
    "开发区": "development_zone",
    "农业高新区": "agri_high_tech_zone",
    "农高区": "agri_high_tech_zone",
    "大学科技园": "university_science_park",
    "科技产业园": "industrial_park",
    "自贸区": "ftz_area",
    "自贸试验区": "ftz_area",
}
_LATIN = re.compile(r"^[a-z0-9āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü'’\-\s.,]+$")
_LATIN_DROP = ("city", "county", "district", "prefecture", "province")


class Candidate(NamedTuple):
    """One place a text may mean.

    ``kind`` is ``'admin'`` or ``'entity'``; ``level`` is the administrative level
    (province/city/county) or the entity type; ``adcode`` the finest known adcode;
    ``score`` in (0, 1] the share of the text the match explains.
    """

    name: str
    kind: str
    id: str
    level: str
    adcode: str | None
    city_adcode: str | None
    county_adcode: str | None
    geometry: object
    precision: str
    score: float

    def as_dict(self) -> dict:
        """JSON-ready: every field, the geometry as a GeoJSON geometry mapping."""
        out = {f: getattr(self, f) for f in ("name", "kind", "id", "level", "adcode",
                                             "city_adcode", "county_adcode", "precision",
                                             "score")}
        out["geometry"] = shapely.geometry.mapping(self.geometry) if self.geometry else None
        return out


class GeocodeResult(NamedTuple):
    """The answer for one text: status, the best candidate if matched, all candidates."""

    query: str
    status: str
    best: Candidate | None
    candidates: tuple[Candidate, ...]

    def as_dict(self) -> dict:
        """JSON-ready: query, status, best and candidates (see :meth:`Candidate.as_dict`)."""
        return {"query": self.query, "status": self.status,
                "best": self.best.as_dict() if self.best else None,
                "candidates": [c.as_dict() for c in self.candidates]}


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def _latin_key(text: str) -> str | None:
    """The lookup key of a 拼音 / Latin query (``Suzhou City`` → ``suzhou``), else None."""
    low = unicodedata.normalize("NFKC", str(text)).strip().lower()
    if not low or not _LATIN.match(low):
        return None
    plain = "".join(c for c in unicodedata.normalize("NFKD", low.replace("ü", "v"))
                    if not unicodedata.combining(c))
    words = [w for w in re.split(r"[\s,.\-'’]+", plain) if w]
    while len(words) > 1 and words[-1] in _LATIN_DROP:
        words.pop()
    return "".join(words) or None


def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name)).lower().replace("ü", "v")


class Geocoder:
    """Resolve names, aliases and addresses to places, offline.

    Parameters
    ----------
    boundaries : GeoDataFrame
        Administrative units with the columns of ``geo.boundaries.COLUMNS``,
        EPSG:4326 (as ``load_boundaries`` returns them).
    entities : GeoDataFrame, optional
        Entities with ``id``, ``name``, ``type``, ``precision``, ``city_adcode``,
        ``county_adcode`` and optionally ``aliases`` (``|``-separated), EPSG:4326.

    Raises
    ------
    ValueError
        When a frame is not in EPSG:4326 or lacks a required column.

    Examples
    --------
    >>> gc = Geocoder(load_boundaries(Path("data/boundaries")))   # doctest: +SKIP
    >>> gc.geocode("江苏省连云港市海州区朝阳东路32号").best.adcode  # doctest: +SKIP
    '320706'
    """

    def __init__(self, boundaries: gpd.GeoDataFrame, entities: gpd.GeoDataFrame | None = None):
        _require(boundaries, "boundaries", ("adcode", "name", "short_name", "level"))
        self._admin: dict[str, Candidate] = {}
        self._names: dict[str, tuple[list[str], list[str]]] = {}
        self._pinyin: dict[str, list[str]] = {}
        self._entities: dict[str, Candidate] = {}
        self._by_type: dict[str, list[str]] = {}
        self._cache: dict[str, GeocodeResult] = {}
        self._add_admin(boundaries)
        if entities is not None and len(entities):
            _require(entities, "entities", ("id", "name", "type", "precision",
                                            "city_adcode", "county_adcode"))
            self._add_entities(entities)
        self._ancestors = {c: frozenset(a for a in (c[:2] + "0000", c[:4] + "00")
                                        if a != c and a in self._admin)
                           for c in self._admin}
        self._automaton, self._entries = name_automaton(self._names, GENERIC_TERMS,
                                                        self._ancestors)
        # (end index, entry index) of the longest known name at each position, left
        # to right, non-overlapping; nothing when there are no names at all.
        self._matches = self._automaton.iter_long \
            if self._automaton.kind == ahocorasick.AHOCORASICK else lambda q: ()
        self._county_cities = frozenset(c for c, unit in self._admin.items()
                                        if c[4:] != "00" and unit.name.endswith("市"))

    # -- building the gazetteer -------------------------------------------------

    def _name_slot(self, name: str) -> tuple[list[str], list[str]]:
        return self._names.setdefault(normalize(name), ([], []))

    def _add_admin(self, boundaries: gpd.GeoDataFrame) -> None:
        points = boundaries.geometry.representative_point()
        for row, point in zip(boundaries.itertuples(index=False), points):
            level = row.level
            city = getattr(row, "city_adcode", None) or None
            self._admin[row.adcode] = Candidate(
                name=row.name, kind="admin", id=row.adcode, level=level, adcode=row.adcode,
                city_adcode=city if level != "province" else None,
                county_adcode=row.adcode if level == "county" else None, geometry=point,
                precision=ADMIN_PRECISION.get(level, "approximate"), score=1.0)
            for name in {row.name, row.short_name}:
                if name:
                    slot = self._name_slot(name)[0]
                    if row.adcode not in slot:
                        slot.append(row.adcode)
            if level != "province":
                for key in {_pinyin(row.short_name), _pinyin(row.name)}:
                    self._pinyin.setdefault(key, []).append(row.adcode)

    def _add_entities(self, entities: gpd.GeoDataFrame) -> None:
        for row in entities.itertuples(index=False):
            county = _code(getattr(row, "county_adcode", None))
            city = _code(getattr(row, "city_adcode", None))
            self._entities[row.id] = Candidate(
                name=row.name, kind="entity", id=row.id, level=row.type,
                adcode=county or city or _code(getattr(row, "province_adcode", None)),
                city_adcode=city, county_adcode=county, geometry=row.geometry,
                precision=row.precision, score=1.0)
            self._by_type.setdefault(row.type, []).append(row.id)
            aliases = getattr(row, "aliases", "") or ""
            for name in [row.name, *str(aliases).split("|")]:
                name = normalize(name)
                if name and name not in GENERIC_TERMS:
                    slot = self._name_slot(name)[1]
                    if row.id not in slot:
                        slot.append(row.id)

    # -- scanning -----------------------------------------------------------------

    def _read(self, q: str) -> tuple[set[str] | None, int, tuple | None, tuple | None]:
        """One pass over the names found in ``q``: the units consistent with every
        accepted admin name, the characters they explain, the longest entity name
        (length, ids) and the last generic word (length, type)."""
        state: frozenset[str] | set[str] | None = None
        covered = last = 0
        entity = generic = None
        entries, ancestors = self._entries, self._ancestors
        for end, index in self._matches(q):
            length, codes, outer, ids, kind, single = entries[index]
            if ids:
                if entity is None or length > entity[0]:
                    entity = (length, ids)
            elif kind:
                generic = (length, kind)
            if not codes:
                continue
            end += 1
            if state is None:
                state = outer
            elif single is not None and not single.isdisjoint(state):
                state = codes  # most names name one unit, inside the context
            else:
                deeper = set() if single is not None else \
                    {c for c in codes if not ancestors[c].isdisjoint(state)}
                if deeper:
                    state = outermost(deeper) if len(deeper) > 1 else deeper
                elif not touches(state, codes, ancestors):
                    siblings = self._siblings(q[end - length:end], codes, state) \
                        if end - length == last else None
                    if not siblings:
                        continue  # a street or place word that happens to be a unit name
                    state = siblings  # 和田市于田县: the first name meant its prefecture
            covered += length
            last = end
        return state, covered, entity, generic

    def _siblings(self, word: str, codes, state) -> set[str]:
        """和田市于田县: a county-level city read as the prefecture it is named for.

        The counties ``word`` names in full that share a prefecture with a
        county-level city (…市) of ``state``.
        """
        if self._county_cities.isdisjoint(state):
            return set()
        cities = [s for s in state if s in self._county_cities]
        return {c for c in codes if c[4:] != "00" and self._admin[c].name == word
                and any(s != c and s[:4] == c[:4] for s in cities)}

    # -- public API ---------------------------------------------------------------

    def geocode(self, text: str) -> GeocodeResult:
        """Resolve one name or address.

        Parameters
        ----------
        text : str
            A place or entity name, alias, 拼音 name, or Chinese address.

        Returns
        -------
        GeocodeResult
            ``matched`` with ``best``; ``ambiguous`` with every equally good
            candidate and ``best=None``; or ``unmatched``.
        """
        query = _query(text)
        if query in self._cache:
            return self._cache[query]
        result = self._resolve(query)
        if len(self._cache) >= ANSWERS_KEPT:
            self._cache.clear()  # a few repeated texts, not every text of a batch
        self._cache[query] = result
        return result

    def geocode_many(self, texts: Iterable) -> list[GeocodeResult]:
        """Resolve a column of names or addresses: one result per text, in order.

        The same as ``[geocode(t) for t in texts]``; a text repeated in the column
        (addresses repeat in real lists) is resolved once for the whole batch, and
        the cyclic garbage collector waits until the batch is done (see
        :func:`_collector_paused`).
        """
        answers: dict[str, GeocodeResult] = {}
        out = []
        resolve = self._resolve
        with _collector_paused():
            for text in texts:
                query = text if type(text) is str else _query(text)
                result = answers.get(query)
                if result is None:
                    result = answers[query] = resolve(query)
                out.append(result)
        return out

    def _resolve(self, query: str) -> GeocodeResult:
        q = normalize(query)
        if not q:
            return GeocodeResult(query, "unmatched", None, ())
        key = _latin_key(query) if q.isascii() else None
        if key is not None:
            codes = outermost(set(self._pinyin.get(key, [])))
            return _result(query, [_scored(self._admin[c], 1.0) for c in sorted(codes)])
        state, covered, entity, generic = self._read(q)
        if entity or generic:
            found, generic_only = self._entity_candidates(entity, generic, state, covered,
                                                          len(q))
            if found:
                return _result(query, found, force_ambiguous=generic_only and state is None)
        if state:
            score = round(covered / len(q), 3)
            if len(state) == 1:
                (code,) = state
                best = _scored(self._admin[code], score)
                return _answer(query, "matched", best, (best,))
            return _result(query, [_scored(self._admin[c], score) for c in sorted(state)])
        return _answer(query, "unmatched", None, ())

    def _entity_candidates(self, entity, generic, state, covered,
                           length) -> tuple[list[Candidate], bool]:
        """Entity candidates, and whether they come from a generic word only.

        ``entity`` is the longest entity name found (its length, ids), ``generic`` the
        last generic word (its length, type); either may be None.
        """
        if entity is not None:
            size, ids = entity
            ids = [e for e in ids if self._fits(e, state)]
            score = round(min(1.0, (covered + size) / length), 3)
            return [_scored(self._entities[e], score) for e in ids], False
        if generic is not None:
            size, kind = generic
            ids = [e for e in self._by_type.get(kind, []) if self._fits(e, state)]
            # A generic word explains the text less well than a proper name.
            score = round(0.8 * min(1.0, (covered + size) / length), 3)
            return [_scored(self._entities[e], score) for e in ids], True
        return [], False

    def _fits(self, entity_id: str, state: set[str] | None) -> bool:
        if state is None:
            return True
        code = self._entities[entity_id].adcode
        return code is not None and any(related(code, s) for s in state)


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector for a block, restoring its state after.

    A batch allocates a few tuples and sets per text and keeps the results; the
    collector, triggered by the count of allocations, would otherwise walk every
    live object of the process (boundaries, gazetteer, the batch so far) again and
    again: measured, about 40 % of a batch's CPU time. Nothing a batch builds
    refers to itself, so reference counting frees all of it; only collections of
    other threads' cycles are postponed to the end of the batch.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _scored(candidate: Candidate, score: float) -> Candidate:
    """``candidate`` with ``score`` (built without ``_replace``'s keyword handling)."""
    if score == candidate.score:
        return candidate
    return tuple.__new__(Candidate, (*candidate[:-1], score))


def _query(text) -> str:
    """The text of a cell: None and NaN are the empty text."""
    return "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)


def _answer(query: str, status: str, best, candidates: tuple) -> GeocodeResult:
    """A GeocodeResult built without the keyword handling of its generated ``__new__``
    (one per text of a batch)."""
    return tuple.__new__(GeocodeResult, (query, status, best, candidates))


def _result(query: str, candidates: list[Candidate],
            force_ambiguous: bool = False) -> GeocodeResult:
    """``matched`` for one candidate, ``ambiguous`` for several (or when forced).

    A bare generic word (高新区 with no place before it) is ambiguous even when
    the gazetteer happens to hold one entity of that kind.
    """
    if not candidates:
        return GeocodeResult(query, "unmatched", None, ())
    ordered = tuple(candidates) if len(candidates) == 1 else \
        tuple(sorted(candidates, key=lambda c: (-c.score, c.id)))
    if len(ordered) == 1 and not force_ambiguous:
        return GeocodeResult(query, "matched", ordered[0], ordered)
    return GeocodeResult(query, "ambiguous", None, ordered)


def _code(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    return str(value)


def _require(gdf, label: str, columns: tuple[str, ...]) -> None:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise ValueError(f"{label}: expected a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise ValueError(f"{label}: CRS must be EPSG:4326, got {gdf.crs}")
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise ValueError(f"{label}: missing columns {missing}")


def default_geocoder(data_dir: Path, with_entities: bool = True) -> Geocoder:
    """A Geocoder over ``data_dir``'s full boundaries and, if present, its entities."""
    from geo.boundaries import load_units

    boundaries = load_units(Path(data_dir) / "boundaries")
    path = Path(data_dir) / "kb" / "entities.csv"
    entities = read_gazetteer(path) if with_entities and path.exists() else None
    return Geocoder(boundaries, entities)


def read_gazetteer(path: Path) -> gpd.GeoDataFrame:
    """Entities of a knowledge-base ``entities.csv`` (WKT in WGS84) as a GeoDataFrame."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    geometry = shapely.from_wkt(frame.pop("wkt").to_numpy())
    return gpd.GeoDataFrame(frame, geometry=list(geometry), crs="EPSG:4326")
