"""CQL2 filters (OGC API – Features Part 3) evaluated on a ``geo.features.FeatureTable``.

The text is parsed by ``pygeofilter`` (cql2-text and cql2-json); this module only
checks the parsed expression against the table's queryables and evaluates it to
one boolean per row, with numpy and shapely. Supported: comparisons, ``AND``,
``OR``, ``NOT``, ``LIKE`` (``CASEI``/``LOWER`` too), ``IN``, ``BETWEEN``,
``IS NULL`` and the spatial predicates (``S_INTERSECTS``, ``S_WITHIN``, …) with a
WKT/GeoJSON geometry or a ``BBOX``, given in the filter CRS. A missing value
satisfies no comparison. Anything else is a :class:`geo.features.QueryError`.
"""

from __future__ import annotations

import json
import re

import numpy as np
import shapely
from pygeofilter import ast, values
from pygeofilter.backends.evaluator import Evaluator, handle

from geo.crs import CRS84, SUPPORTED, OutputCrs
from geo.features import FeatureTable, QueryError

LANGUAGES = ("cql2-text", "cql2-json")
GEOMETRY = "geometry"
_SPATIAL = {"INTERSECTS": shapely.intersects, "DISJOINT": shapely.disjoint,
            "CONTAINS": shapely.contains, "WITHIN": shapely.within,
            "TOUCHES": shapely.touches, "CROSSES": shapely.crosses,
            "OVERLAPS": shapely.overlaps, "EQUALS": shapely.equals}
_COMPARE = {"=": np.equal, "<>": np.not_equal, "<": np.less, "<=": np.less_equal,
            ">": np.greater, ">=": np.greater_equal}


def parse(text: str, language: str = "cql2-text"):
    """The pygeofilter expression of a ``filter`` in ``language``.

    Raises
    ------
    QueryError
        With the parser's message when the text is not valid CQL2.

    Examples
    --------
    >>> parse("year = 2025 AND indicator_id = 'rd_intensity'").op.name
    'AND'
    """
    try:
        if language == "cql2-json":
            from pygeofilter.parsers.cql2_json import parse as parse_json

            node = parse_json(_bbox_as_polygon(json.loads(text)))
        else:
            from pygeofilter.parsers.cql2_text import parse as parse_text

            node = parse_text(text)
    except Exception as exc:  # the parsers raise lark, JSON, key and type errors
        message = str(exc).strip().splitlines()
        raise QueryError(f"{language}: {message[0] if message else type(exc).__name__}") \
            from None
    if not isinstance(node, ast.Node):
        raise QueryError(f"{language}: 不是一个条件表达式（not a predicate）")
    return node


def _bbox_as_polygon(doc):
    """``{"bbox": [minx, miny, maxx, maxy]}`` members as GeoJSON polygons: pygeofilter
    0.4 reads the four numbers of a cql2-json bbox in the wrong order."""
    if isinstance(doc, list):
        return [_bbox_as_polygon(v) for v in doc]
    if not isinstance(doc, dict):
        return doc
    box = doc.get("bbox")
    if set(doc) == {"bbox"} and isinstance(box, list) and len(box) in (4, 6):
        x0, y0, x1, y1 = (box[0], box[1], box[2], box[3]) if len(box) == 4 else \
            (box[0], box[1], box[3], box[4])
        return {"type": "Polygon",
                "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}
    return {k: _bbox_as_polygon(v) for k, v in doc.items()}


def evaluate(node, table: FeatureTable, crs: OutputCrs = SUPPORTED[CRS84]) -> np.ndarray:
    """One boolean per row of ``table``: whether it satisfies the expression ``node``.

    Geometries in the expression are in ``crs`` (the ``filter-crs``). QueryError
    names an unknown property (and the queryables) or an unsupported construct.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> frame = gpd.GeoDataFrame({"id": ["a", "b"], "year": [2020, 2025]},
    ...                          geometry=[shapely.Point(0, 0), shapely.Point(1, 1)],
    ...                          crs=4326)
    >>> table = FeatureTable(frame, "id", ["id", "year"])
    >>> evaluate(parse("year > 2021"), table).tolist()
    [False, True]
    """
    check(node, table)
    result = _TableEvaluator(table, crs).evaluate(node)
    if not isinstance(result, np.ndarray) or result.dtype != bool:
        raise QueryError("filter：表达式的结果不是真/假（not a predicate）")
    return result


def check(node, table: FeatureTable) -> None:
    """QueryError naming the properties of ``node`` that are not queryables of ``table``."""
    unknown = sorted({n.name for n in _attributes(node)} - set(table.kinds) - {GEOMETRY})
    if unknown:
        raise QueryError(f"filter：未知属性 {', '.join(unknown)}（unknown property）；"
                         f"可筛选属性：{', '.join(table.kinds)}")


def _attributes(node):
    if isinstance(node, ast.Attribute):
        yield node
    subs = node.get_sub_nodes() if hasattr(node, "get_sub_nodes") else None
    for sub in (subs if isinstance(subs, list) else [subs] if subs is not None else []):
        yield from _attributes(sub)


class _Column:
    """The values of one property (numbers as float with NaN, text as objects)."""

    def __init__(self, name: str, data: np.ndarray, kind: str):
        self.name, self.data, self.kind = name, data, kind

    def missing(self) -> np.ndarray:
        if self.kind == "string":
            return np.array([v is None for v in self.data], dtype=bool)
        return np.isnan(self.data)


class _TableEvaluator(Evaluator):
    def __init__(self, table: FeatureTable, crs: OutputCrs):
        self.table, self.crs = table, crs

    def adopt(self, node, *args):
        raise QueryError(f"filter：不支持 {type(node).__name__}（not supported here）")

    @handle(ast.Not)
    def not_(self, node, sub):
        return ~_mask(sub)

    @handle(ast.And, ast.Or)
    def combination(self, node, lhs, rhs):
        lhs, rhs = _mask(lhs), _mask(rhs)
        return lhs & rhs if node.op.name == "AND" else lhs | rhs

    @handle(ast.Comparison, subclasses=True)
    def comparison(self, node, lhs, rhs):
        return _compare(lhs, rhs, _COMPARE[node.op.value])

    @handle(ast.Between)
    def between(self, node, lhs, low, high):
        inside = _compare(lhs, low, np.greater_equal) & _compare(lhs, high, np.less_equal)
        return _negated(inside, lhs, node.not_)

    @handle(ast.In)
    def in_(self, node, lhs, *options):
        found = np.zeros(len(self.table), dtype=bool)
        for option in options:
            found |= _compare(lhs, option, np.equal)
        return _negated(found, lhs, node.not_)

    @handle(ast.IsNull)
    def null(self, node, lhs):
        if not isinstance(lhs, _Column):
            raise QueryError("filter：IS NULL 只能用于属性")
        return lhs.missing() != node.not_

    @handle(ast.Like)
    def like(self, node, lhs):
        if not isinstance(lhs, _Column) or lhs.kind != "string":
            raise QueryError("filter：LIKE 只能用于文本属性")
        regex = re.compile(_like_regex(node), re.IGNORECASE if node.nocase else 0)
        found = np.array([v is not None and regex.fullmatch(v) is not None
                          for v in lhs.data], dtype=bool)
        return _negated(found, lhs, node.not_)

    @handle(ast.SpatialComparisonPredicate, subclasses=True)
    def spatial(self, node, lhs, rhs):
        test = _SPATIAL.get(node.op.name)
        if test is None or not (_is_geometry(lhs) and _is_geometry(rhs)):
            raise QueryError(f"filter：不支持的空间条件 {node.op.name}")
        return np.asarray(test(lhs, rhs), dtype=bool) & ~shapely.is_missing(
            lhs if isinstance(lhs, np.ndarray) else rhs)

    @handle(ast.Attribute)
    def attribute(self, node):
        if node.name == GEOMETRY:
            return self.table.geometry
        return _Column(node.name, self.table.column(node.name), self.table.kinds[node.name])

    @handle(ast.Function)
    def function(self, node, *args):
        name = node.name.lower()
        if name == "bbox" and len(args) in (4, 6):
            box = args if len(args) == 4 else (args[0], args[1], args[3], args[4])
            return self._in_crs84(shapely.box(*map(float, box)))
        if name in ("lower", "casei") and len(args) == 1 and isinstance(args[0], _Column):
            column = args[0]
            data = np.array([None if v is None else v.lower() for v in column.data],
                            dtype=object)
            return _Column(column.name, data, column.kind)
        raise QueryError(f"filter：不支持的函数 {node.name}（unsupported function）")

    @handle(*values.LITERALS)
    def literal(self, node):
        return node

    @handle(values.Geometry)
    def geometry(self, node):
        return self._in_crs84(shapely.geometry.shape(node.geometry))

    @handle(values.Envelope)
    def envelope(self, node):
        return self._in_crs84(shapely.box(node.x1, node.y1, node.x2, node.y2))

    def _in_crs84(self, geom):
        if self.crs.uri == CRS84:
            return geom

        def apply(coords):
            lon, lat = self.crs.to_lonlat(coords[:, 0], coords[:, 1])
            return np.column_stack([lon, lat])

        return shapely.transform(geom, apply)


def _mask(value) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.dtype != bool:
        raise QueryError("filter：AND/OR/NOT 的两边须为条件（expected a predicate）")
    return value


def _is_geometry(value) -> bool:
    return isinstance(value, (np.ndarray, shapely.Geometry))


def _negated(found: np.ndarray, lhs, negate: bool) -> np.ndarray:
    if not negate:
        return found
    return ~found & ~lhs.missing() if isinstance(lhs, _Column) else ~found


def _compare(lhs, rhs, op) -> np.ndarray:
    """``op`` between a property and a literal (either side); missing values → False."""
    if isinstance(lhs, _Column) and isinstance(rhs, _Column):
        raise QueryError(f"filter：不支持两个属性相比较（{lhs.name}, {rhs.name}）")
    column, literal, flipped = (lhs, rhs, False) if isinstance(lhs, _Column) else \
        (rhs, lhs, True)
    if not isinstance(column, _Column):
        raise QueryError("filter：比较须有一边是属性（compare a property with a value）")
    if column.kind == "string":
        if not isinstance(literal, str):
            raise QueryError(f"filter：{column.name} 是文本属性，应与文本比较，收到 {literal!r}")
        present = column.missing()
        data = np.where(present, "", column.data).astype(str)
        result = op(literal, data) if flipped else op(data, literal)
        return np.asarray(result, dtype=bool) & ~present
    if column.kind == "boolean" and isinstance(literal, bool):
        literal = float(literal)
    if isinstance(literal, bool) or not isinstance(literal, (int, float)):
        raise QueryError(f"filter：{column.name} 是数值属性，应与数字比较，收到 {literal!r}")
    with np.errstate(invalid="ignore"):
        result = op(float(literal), column.data) if flipped else op(column.data, float(literal))
    return np.asarray(result, dtype=bool) & ~np.isnan(column.data)


def _like_regex(node) -> str:
    out, escape = [], False
    for char in node.pattern:
        if escape:
            out.append(re.escape(char))
            escape = False
        elif char == node.escapechar:
            escape = True
        elif char == node.wildcard:
            out.append(".*")
        elif char == node.singlechar:
            out.append(".")
        else:
            out.append(re.escape(char))
    return "".join(out)
