"""CQL2 filters (OGC API – Features Part 3, OGC 21-065r2) on a ``geo.features.FeatureTable``.

Text and JSON are parsed by the ``cql2`` package (cql2-rs: a Rust parser that tracks
the published standard); both become the standard's JSON form, which
:mod:`geo.cql2_eval` evaluates on every row at once with numpy and shapely.
The parser was chosen by measurement over the 229 examples published with the
standard (``tests/data/cql2/``): cql2 parses all 229, pygeofilter 0.4 (the former
parser) 152 — it refuses newlines, doubled quotes, ``geometry IS NOT NULL``,
``LIKE CASEI(…)`` and the current JSON ``between`` — and cql2 parses them ~8× faster.

Its PEG parser backtracks exponentially on deeply nested parentheses that do not
parse (depth 20 costs seconds, depth 3,000 overflows the stack), so no text
reaches it before :func:`check_limits` has bounded the length, the nesting depth
(outside quoted strings), ``IN`` list sizes and geometry vertices: each limit
exceeded is a :class:`FilterLimit` naming it. Evaluation has a time budget
(:class:`geo.cql2_eval.FilterTooCostly` past it). LIKE never builds a regular
expression (:mod:`geo.cql2_like`).

Supported classes: :data:`CONFORMANCE`. Temporal and array functions are a
QueryError naming their class; unknown properties a QueryError naming them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cql2 as cql2_parser
import numpy as np

from geo.cql2_eval import GEOMETRY, Evaluation, FilterTooCostly
from geo.crs import CRS84, SUPPORTED, OutputCrs
from geo.features import FeatureTable, QueryError

__all__ = ["CONFORMANCE", "LANGUAGES", "Filter", "FilterLimit", "FilterTooCostly",
           "check", "check_limits", "parse"]

LANGUAGES = ("cql2-text", "cql2-json")
_CLASSES = ("cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators",
            "case-insensitive-comparison", "accent-insensitive-comparison",
            "basic-spatial-functions", "basic-spatial-functions-plus", "spatial-functions",
            "property-property", "arithmetic")
#: The CQL2 conformance classes that pass ``tests/test_cql2_examples.py``.
CONFORMANCE = tuple(f"http://www.opengis.net/spec/cql2/1.0/conf/{name}" for name in _CLASSES)

MAX_CHARS = 20_000  # a filter in a URL; gunicorn refuses longer request lines anyway
MAX_DEPTH_TEXT = 10  # the parser's worst case at this depth is ~10 ms
MAX_DEPTH_JSON = 32
MAX_IN_VALUES = 1_000
MAX_VERTICES = 2_000
TIME_BUDGET = 1.0  # seconds of evaluation per request


class FilterLimit(QueryError):
    """A filter over one of the bounds every filter must keep."""


@dataclass(frozen=True)
class Filter:
    """A parsed filter: the standard's JSON form of the expression."""

    tree: object

    def matches(self, table: FeatureTable, crs: OutputCrs = SUPPORTED[CRS84],
                budget: float = TIME_BUDGET) -> np.ndarray:
        """One boolean per row of ``table``: whether the filter is true for it.

        Geometries in the filter are in ``crs`` (the ``filter-crs``). QueryError names
        an unknown property or an unsupported construct; FilterTooCostly when the
        evaluation takes more than ``budget`` seconds.

        Examples
        --------
        >>> import geopandas as gpd, shapely
        >>> frame = gpd.GeoDataFrame({"id": ["a", "b"], "year": [2020, 2025]},
        ...                          geometry=[shapely.Point(0, 0), shapely.Point(1, 1)],
        ...                          crs=4326)
        >>> table = FeatureTable(frame, "id", ["id", "year"])
        >>> parse("year > 2021").matches(table).tolist()
        [False, True]
        """
        check(self, table)
        return Evaluation(table, crs, budget).predicate(self.tree).true


def parse(text: str, language: str = "cql2-text") -> Filter:
    """The :class:`Filter` of a ``filter`` in ``language`` (``cql2-text`` or ``cql2-json``).

    Raises
    ------
    FilterLimit
        When the text is over a limit (length, nesting, IN list, vertices).
    QueryError
        With the parser's message when the text is not valid CQL2.

    Examples
    --------
    >>> parse("year = 2025 AND indicator_id = 'rd_intensity'").tree["op"]
    'and'
    """
    check_limits(text, language)
    try:
        if language == "cql2-json":
            tree = cql2_parser.parse_json(text).to_json()
        else:
            tree = cql2_parser.parse_text(text).to_json()
    except cql2_parser.ParseError as exc:
        message = " ".join(str(exc).split())[:400] or type(exc).__name__
        raise QueryError(f"{language} 语法错误（syntax error）：{message}") from None
    _check_tree(tree)
    return Filter(tree)


def check_limits(text: str, language: str) -> None:
    """FilterLimit when ``text`` is too long or nests too deep; QueryError when its
    brackets do not balance (checked before any parser sees it)."""
    if len(text) > MAX_CHARS:
        raise FilterLimit(f"filter 过长：{len(text)} 个字符，上限 {MAX_CHARS}"
                          f"（filter longer than {MAX_CHARS} characters）")
    limit = MAX_DEPTH_JSON if language == "cql2-json" else MAX_DEPTH_TEXT
    depth = _nesting(text, language == "cql2-json", limit)
    if depth > limit:
        raise FilterLimit(f"filter 嵌套过深：超过 {limit} 层括号（nesting deeper than {limit}）")
    if depth < 0:
        raise QueryError(f"{language}: 括号不配对（unbalanced brackets）")


def _nesting(text: str, json_escapes: bool, limit: int) -> int:
    """The deepest bracket nesting outside quotes (stops past ``limit``); -1 if the
    brackets do not balance."""
    depth = deepest = 0
    quote, escaped = None, False
    for char in text:
        if quote is not None:
            if escaped:
                escaped = False
            elif json_escapes and char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
            if depth > limit:
                return depth
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                return -1
    return deepest if depth == 0 and quote is None else -1


def _check_tree(tree) -> None:
    """FilterLimit for an IN list or a geometry over its limit (the tree is shallow)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if str(node.get("op", "")).lower() == "in":
                options = (node.get("args") or [None, None])[-1]
                if isinstance(options, list) and len(options) > MAX_IN_VALUES:
                    raise FilterLimit(f"filter 的 IN 列表过长：{len(options)} 个值，上限 "
                                      f"{MAX_IN_VALUES}（IN list over {MAX_IN_VALUES} values）")
            if "coordinates" in node or "geometries" in node:
                vertices = _vertices(node)
                if vertices > MAX_VERTICES:
                    raise FilterLimit(f"filter 的几何过大：{vertices} 个顶点，上限 {MAX_VERTICES}"
                                      f"（geometry over {MAX_VERTICES} vertices）")
                continue
            stack.extend(node.values())


def _vertices(geometry) -> int:
    count, stack = 0, [geometry]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.get("geometries", []))
            stack.append(node.get("coordinates", []))
        elif isinstance(node, list):
            if node and not isinstance(node[0], list):
                count += 1
            else:
                stack.extend(node)
    return count


def check(expression: Filter, table: FeatureTable) -> None:
    """QueryError naming the properties of ``expression`` that are not queryables of
    ``table`` (and the queryables)."""
    unknown = sorted(_properties(expression.tree) - set(table.kinds) - {GEOMETRY})
    if unknown:
        raise QueryError(f"filter：未知属性 {', '.join(unknown)}（unknown property）；"
                         f"可筛选属性：{', '.join(table.kinds)}")


def _properties(tree) -> set[str]:
    names, stack = set(), [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if "property" in node:
                names.add(str(node["property"]))
            stack.extend(v for k, v in node.items() if k != "coordinates")
    return names
