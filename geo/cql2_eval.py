"""Evaluate a CQL2 expression, in its JSON form, on every row of a feature table at once.

Predicates are three-valued as the standard (and SQL) has them: each gives the rows
where it is true and the rows where it is false; a row where a compared value is
missing is neither, so ``NOT (x = 1)`` leaves out the rows where ``x`` is null and
only ``IS NULL`` sees them. A row is selected when the whole filter is true.
Values are numpy arrays (numbers and booleans as float with NaN, text as objects
with None) or scalars (literals); spatial tests run on shapely arrays.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import shapely

from geo.cql2_like import compile_like, fold_accents, fold_case
from geo.features import FeatureTable, QueryError

GEOMETRY = "geometry"
_SPATIAL = {"s_intersects": shapely.intersects, "s_disjoint": shapely.disjoint,
            "s_contains": shapely.contains, "s_within": shapely.within,
            "s_touches": shapely.touches, "s_crosses": shapely.crosses,
            "s_overlaps": shapely.overlaps, "s_equals": shapely.equals}
_COMPARE = {"=": np.equal, "<>": np.not_equal, "<": np.less, "<=": np.less_equal,
            ">": np.greater, ">=": np.greater_equal}
_ARITHMETIC = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide,
               "%": np.mod, "div": np.floor_divide, "^": np.power}
_FOLDS = {"casei": fold_case, "accenti": fold_accents}
#: Constructs of classes innomap does not implement, and the class each belongs to.
_TEMPORAL, _ARRAY = "Temporal Functions（时间函数）", "Array Functions（数组函数）"
UNSUPPORTED = {"t_": _TEMPORAL, "a_": _ARRAY, "date": _TEMPORAL, "timestamp": _TEMPORAL,
               "interval": _TEMPORAL}
_ROW_CHECK = 64  # rows matched between two looks at the clock


class FilterTooCostly(QueryError):
    """The filter took longer than its time budget on this collection."""


@dataclass
class Truth:
    """Rows where a predicate is true and rows where it is false (the rest: unknown)."""

    true: np.ndarray
    false: np.ndarray


@dataclass
class Column:
    """Per-row values: ``kind`` is ``string``, ``number`` or ``geometry``."""

    name: str
    data: np.ndarray
    missing: np.ndarray
    kind: str


class Evaluation:
    """One evaluation of a tree on ``table``; geometries of the tree are in ``crs``."""

    def __init__(self, table: FeatureTable, crs, budget: float):
        self.table, self.crs, self.n = table, crs, len(table)
        self.deadline = time.monotonic() + budget

    def tick(self) -> None:
        """FilterTooCostly when the time budget is spent."""
        if time.monotonic() > self.deadline:
            raise FilterTooCostly("filter：计算超出时间预算，请简化条件（filter exceeded its "
                                  "time budget）")

    def predicate(self, node) -> Truth:
        self.tick()
        if isinstance(node, bool):
            return self._constant(node)
        if isinstance(node, dict) and "property" in node:
            return self._boolean_column(self.value(node))
        if not isinstance(node, dict) or "op" not in node:
            raise QueryError(f"filter：{_show(node)} 不是条件（not a predicate）")
        op, args = str(node["op"]).lower(), node.get("args") or []
        if op in ("and", "or"):
            parts = [self.predicate(a) for a in args]
            if op == "and":
                return Truth(np.logical_and.reduce([p.true for p in parts]),
                             np.logical_or.reduce([p.false for p in parts]))
            return Truth(np.logical_or.reduce([p.true for p in parts]),
                         np.logical_and.reduce([p.false for p in parts]))
        if op == "not":
            inner = self.predicate(_one(args, op))
            return Truth(inner.false, inner.true)
        if op in _COMPARE:
            return compare(op, *[self.value(a) for a in _arity(args, 2, op)], self.n)
        if op == "like":
            return self._like(*_arity(args, 2, op))
        if op == "between":
            return self._between(args)
        if op == "in":
            return self._in(*_arity(args, 2, op))
        if op == "isnull":
            return self._is_null(_one(args, op))
        if op in _SPATIAL:
            return self._spatial(op, *_arity(args, 2, op))
        raise _unsupported(op)

    def value(self, node):
        """A Column, or a scalar (str, float, None) or a shapely geometry."""
        if isinstance(node, (str, type(None))):
            return node
        if isinstance(node, bool):
            return float(node)
        if isinstance(node, (int, float)):
            return float(node)
        if isinstance(node, list):
            raise QueryError("filter：数组只能用于 IN（arrays only in IN lists）")
        if "property" in node:
            return self._column(str(node["property"]))
        if "type" in node or "bbox" in node:
            return self._geometry(node)
        if "op" not in node:
            raise _unsupported(next(iter(node), "{}"))
        op, args = str(node["op"]).lower(), node.get("args") or []
        if op in _FOLDS:
            return fold(_FOLDS[op], self.value(_one(args, op)))
        if op in _ARITHMETIC:
            return arithmetic(op, *[self.value(a) for a in _arity(args, 2, op)])
        if op in _COMPARE or op in _SPATIAL or op in ("and", "or", "not", "like", "in",
                                                       "between", "isnull"):
            truth = self.predicate(node)  # a predicate used as a value: true/false/null
            return Column(op, truth.true.astype(float), ~(truth.true | truth.false), "number")
        raise _unsupported(op)

    def _constant(self, value: bool) -> Truth:
        full, empty = np.ones(self.n, dtype=bool), np.zeros(self.n, dtype=bool)
        return Truth(full, empty) if value else Truth(empty, full)

    def _boolean_column(self, column) -> Truth:
        if not isinstance(column, Column) or column.kind != "number":
            raise QueryError(f"filter：{_show(column)} 不是条件（not a predicate）")
        present = ~column.missing
        return Truth((column.data != 0) & present, (column.data == 0) & present)

    def _column(self, name: str) -> Column:
        if name == GEOMETRY:
            geoms = self.table.geometry
            return Column(name, geoms, shapely.is_missing(geoms), "geometry")
        kind = self.table.kinds[name]
        data = self.table.column(name)
        if kind == "string":
            return Column(name, data, np.array([v is None for v in data], dtype=bool), kind)
        return Column(name, data, np.isnan(data), "number")

    def _geometry(self, node) -> shapely.Geometry:
        if "bbox" in node:
            box = [float(v) for v in node["bbox"]]
            if len(box) not in (4, 6):
                raise QueryError("filter：bbox 应为 4 个或 6 个数")
            geom = shapely.box(*(box if len(box) == 4 else (box[0], box[1], box[3], box[4])))
        else:
            try:
                geom = shapely.geometry.shape(node)
            except (ValueError, TypeError, KeyError, AttributeError, IndexError,
                    shapely.errors.GEOSException) as exc:
                raise QueryError(f"filter：几何无效（invalid geometry）：{exc}") from None
        return self._in_crs84(geom)

    def _in_crs84(self, geom):
        if self.crs.uri.endswith("CRS84"):
            return geom

        def apply(coords):
            lon, lat = self.crs.to_lonlat(coords[:, 0], coords[:, 1])
            return np.column_stack([lon, lat])

        return shapely.transform(geom, apply)

    def _like(self, subject, pattern) -> Truth:
        text, pattern = self.value(subject), self.value(pattern)
        if not isinstance(pattern, str):
            raise QueryError("filter：LIKE 的模式须为文本（pattern must be text）")
        matcher = compile_like(pattern)
        if isinstance(text, str) or text is None:
            return _broadcast(None if text is None else matcher.matches(text), self.n)
        if text.kind != "string":
            raise QueryError(f"filter：LIKE 只能用于文本属性，{text.name} 不是文本")
        found = np.zeros(self.n, dtype=bool)
        for start in range(0, self.n, _ROW_CHECK):
            self.tick()
            chunk = text.data[start:start + _ROW_CHECK]
            found[start:start + len(chunk)] = [v is not None and matcher.matches(v)
                                               for v in chunk]
        present = ~text.missing
        return Truth(found & present, ~found & present)

    def _between(self, args) -> Truth:
        if len(args) == 2 and isinstance(args[1], list) and len(args[1]) == 2:
            args = [args[0], *args[1]]  # the older JSON form: [value, [low, high]]
        value, low, high = (self.value(a) for a in _arity(args, 3, "between"))
        above, below = compare(">=", value, low, self.n), compare("<=", value, high, self.n)
        return Truth(above.true & below.true, above.false | below.false)

    def _in(self, subject, options) -> Truth:
        if not isinstance(options, list):
            raise QueryError("filter：IN 之后应为值的列表（expected a list）")
        value = self.value(subject)
        truth = self._constant(False)
        for option in options:
            self.tick()
            one = compare("=", value, self.value(option), self.n)
            truth = Truth(truth.true | one.true, truth.false & one.false)
        return truth

    def _is_null(self, subject) -> Truth:
        value = self.value(subject)
        if isinstance(value, Column):
            return Truth(value.missing.copy(), ~value.missing)
        return self._constant(value is None)

    def _spatial(self, op, lhs, rhs) -> Truth:
        left, right = self.value(lhs), self.value(rhs)
        missing = np.zeros(self.n, dtype=bool)
        operands = []
        for side in (left, right):
            if isinstance(side, Column) and side.kind == "geometry":
                missing |= side.missing
                operands.append(side.data)
            elif isinstance(side, shapely.Geometry):
                shapely.prepare(side)
                operands.append(side)
            else:
                raise QueryError(f"filter：{op.upper()} 的两边须为几何（expected geometries）")
        found = np.broadcast_to(np.asarray(_SPATIAL[op](*operands), dtype=bool), (self.n,))
        return Truth(found & ~missing, ~found & ~missing)


def compare(op: str, left, right, n: int) -> Truth:
    """``left op right`` row by row: Columns and scalars of one kind (text or number)."""
    kinds = {_kind(left), _kind(right)} - {None}
    if "geometry" in kinds:
        raise QueryError("filter：几何只能用空间条件比较（use S_INTERSECTS etc.）")
    if len(kinds) > 1:
        column = left if isinstance(left, Column) else right
        other = right if column is left else left
        raise QueryError(f"filter：{_show(column)} 与 {_show(other)} 类型不同，不能比较"
                         f"（type mismatch）")
    missing = np.zeros(n, dtype=bool)
    sides = []
    for side in (left, right):
        if side is None:
            return Truth(np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
        if isinstance(side, Column):
            missing = missing | side.missing
            data = side.data
            if side.kind == "string":
                data = np.where(side.missing, "", data).astype(str)
            sides.append(data)
        else:
            sides.append(side)
    with np.errstate(invalid="ignore"):
        result = np.broadcast_to(np.asarray(_COMPARE[op](*sides), dtype=bool), (n,))
    return Truth(result & ~missing, ~result & ~missing)


def fold(function, value):
    """CASEI/ACCENTI of a text Column or a text scalar."""
    if value is None:
        return None
    if isinstance(value, str):
        return function(value)
    if isinstance(value, Column) and value.kind == "string":
        data = np.array([None if v is None else function(v) for v in value.data], dtype=object)
        return Column(value.name, data, value.missing, "string")
    raise QueryError(f"filter：CASEI/ACCENTI 只能用于文本，收到 {_show(value)}")


def arithmetic(op: str, left, right):
    """``left op right`` on numbers (Columns or scalars); missing in, missing out."""
    if _kind(left) not in ("number", None) or _kind(right) not in ("number", None):
        raise QueryError(f"filter：算术运算 {op} 只能用于数值")
    if left is None or right is None:
        return None
    with np.errstate(all="ignore"):
        result = _ARITHMETIC[op](_data(left), _data(right))
    if not isinstance(left, Column) and not isinstance(right, Column):
        return float(result)
    result = np.where(np.isfinite(result), result, np.nan)
    return Column(op, result, np.isnan(result), "number")


def _data(value):
    return value.data if isinstance(value, Column) else value


def _kind(value) -> str | None:
    if isinstance(value, Column):
        return value.kind
    if isinstance(value, str):
        return "string"
    if isinstance(value, float):
        return "number"
    if isinstance(value, shapely.Geometry):
        return "geometry"
    return None


def _broadcast(value: bool | None, n: int) -> Truth:
    if value is None:
        return Truth(np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
    return Truth(np.full(n, value), np.full(n, not value))


def _one(args, op):
    return _arity(args, 1, op)[0]


def _arity(args, count: int, op: str):
    if not isinstance(args, list) or len(args) != count:
        raise QueryError(f"filter：{op} 需要 {count} 个参数（expects {count} arguments）")
    return args


def _unsupported(op: str) -> QueryError:
    for prefix, name in UNSUPPORTED.items():
        if op.lower().startswith(prefix):
            return QueryError(f"filter：不支持 {op}，属于未实现的一致性类 {name}"
                              f"（unsupported conformance class）")
    return QueryError(f"filter：不支持的函数或运算 {op}（unsupported function）")


def _show(value) -> str:
    if isinstance(value, Column):
        return value.name
    return repr(value)[:60]
