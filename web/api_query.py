"""Parse the query parameters of the feature API into a checked ``geo.features.Query``.

Every problem becomes ``InvalidParameter`` (HTTP 400, ``{code, description}``)
naming the parameter and the value received; unknown parameters are errors too,
so a misspelt filter never silently returns everything.
"""

from __future__ import annotations

import functools
import math
from datetime import UTC, date, datetime
from urllib.parse import quote_plus

import numpy as np

from geo import cql2
from geo.crs import CRS84, EPSG_3857, SUPPORTED, bbox_to_lonlat, parse_crs
from geo.features import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    FeatureTable,
    Query,
    QueryError,
    coerce,
    parse_boolean,
)
from web.api_docs import FEATURE_PARAMETERS, ITEM_PARAMETERS
from web.errors import InvalidParameter

RESPONSE_FORMATS = ("json", "html")
MERCATOR_LIMIT = 20037508.342789244
OPEN_ENDS = ("", "..")


def check_known(args, allowed) -> None:
    """400 for any parameter not in ``allowed`` or given more than once."""
    for name in args:
        if name not in allowed:
            raise InvalidParameter(
                f"未知参数 {name!r}（unknown parameter）；可用参数：{', '.join(allowed)}")
        if len(args.getlist(name)) > 1:
            raise InvalidParameter(f"参数 {name!r} 只能出现一次（given more than once）")


def parse_format(args, allowed=RESPONSE_FORMATS, accept=None) -> str:
    """``f`` when given, else what ``accept`` (the request's accept_mimetypes) prefers."""
    value = args.get("f")
    if value is None:
        return preferred_format(accept) if "html" in allowed else "json"
    if value not in allowed:
        raise InvalidParameter(f"f={value!r} 无效；可用：{', '.join(allowed)}")
    return value


def preferred_format(accept) -> str:
    """``html`` when the Accept header ranks HTML above JSON (a browser), else ``json``."""
    if accept is None:
        return "json"
    best = accept.best_match(["application/geo+json", "application/json", "text/html"])
    return "html" if best == "text/html" else "json"


def parse_items_query(args, table: FeatureTable, accept=None) -> tuple[Query, str]:
    """The Query and format of an items request; InvalidParameter on any bad value.

    ``limit`` above the maximum is the maximum (OGC API – Features 1.0.1, Req. 22C).
    """
    check_known(args, (*ITEM_PARAMETERS, *table.kinds))
    args = args.to_dict()  # plain dict: a MultiDict builds an exception per missing key
    fmt = parse_format(args, accept=accept)
    crs = _crs(args, "crs")
    query = Query(
        limit=min(_integer(args, "limit", DEFAULT_LIMIT, 1, None), MAX_LIMIT),
        offset=_integer(args, "offset", 0, 0, None),
        bbox=_bbox(args),
        filters=_filters(args, table),
        years=parse_datetime(args.get("datetime") or None),  # empty: not given
        cql=_cql(args, table),
        filter_crs=_crs(args, "filter-crs"),
        properties=_properties(args, table),
        skip_geometry=_boolean(args, "skipGeometry"),
        sortby=_sortby(args, table),
        crs=crs,
    )
    return query, fmt


def parse_feature_query(args, table: FeatureTable, accept=None) -> tuple[Query, str]:
    """The Query and format of a single-feature request."""
    check_known(args, FEATURE_PARAMETERS)
    args = args.to_dict()
    query = Query(limit=1, crs=_crs(args, "crs"), properties=_properties(args, table),
                  skip_geometry=_boolean(args, "skipGeometry"))
    return query, parse_format(args, accept=accept)


def parse_datetime(raw: str | None) -> tuple[int | None, int | None] | None:
    """The closed range of years a ``datetime`` instant or interval meets (None: no
    parameter; either end None: open). Yearly records are whole calendar years (UTC).

    ``2025-06-01`` → (2025, 2025); ``2024-07-01/..`` → (2024, None);
    ``2025-01-01/2025-12-31`` → (2025, 2025).
    """
    if raw is None:
        return None
    parts = raw.split("/")
    if len(parts) > 2 or (len(parts) == 2 and all(p in OPEN_ENDS for p in parts)):
        raise InvalidParameter(f"datetime={raw!r} 应为 RFC 3339 时刻或区间（如 "
                               f"2025-01-01/2025-12-31、2024-01-01/..）")
    ends = [None if p in OPEN_ENDS and len(parts) == 2 else _instant(raw, p) for p in parts]
    if len(ends) == 1:
        return ends[0].year, ends[0].year
    if ends[0] is not None and ends[1] is not None and ends[0] > ends[1]:
        raise InvalidParameter(f"datetime={raw!r}：开始晚于结束（start after end）")
    return tuple(None if e is None else e.year for e in ends)


def _instant(raw: str, text: str) -> datetime:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or "T" not in text.upper() or moment.tzinfo is None:
        raise InvalidParameter(f"datetime={raw!r}：{text!r} 不是 RFC 3339 日期或带时区的时刻"
                               f"（如 2025-01-01 或 2025-01-01T00:00:00Z）")
    return moment.astimezone(UTC)


def _cql(args, table: FeatureTable):
    text = args.get("filter") or None  # empty: no filter
    language = args.get("filter-lang", "cql2-text")
    if language not in cql2.LANGUAGES:
        raise InvalidParameter(f"filter-lang={language!r} 无效；可用：{', '.join(cql2.LANGUAGES)}")
    if text is None:
        return None
    try:
        node = cql2.parse(text, language)
        cql2.check(node, table)
    except QueryError as exc:
        raise InvalidParameter(f"filter 无效：{exc}") from None
    return node


def query_string(args, without=()) -> str:
    """``args`` as a query string in a stable order, leaving out the names ``without``."""
    return "&".join(f"{_quoted(name)}={_quoted(args.get(name))}" for name in sorted(args)
                    if name not in without)


@functools.lru_cache(maxsize=1024)
def _quoted(text: str) -> str:
    """``text`` percent-encoded for a query string, as ``urlencode`` does (names and
    most values recur from request to request)."""
    return quote_plus(text)


def _integer(args, name, default, low, high) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(f"{name}={raw!r} 不是整数（expected an integer）") from None
    if value < low or (high is not None and value > high):
        bound = f"{low} 到 {high}" if high is not None else f"不小于 {low}"
        raise InvalidParameter(f"{name}={value} 超出范围：应为 {bound}"
                               f"（{name} must be {low}..{high or '∞'}）")
    return value


def _boolean(args, name) -> bool:
    raw = args.get(name)
    if raw is None:
        return False
    try:
        return parse_boolean(name, raw)
    except QueryError:
        raise InvalidParameter(f"{name}={raw!r} 应为 true 或 false（也可 1/0、yes/no）") from None


def _crs(args, name):
    try:
        return parse_crs(args.get(name, CRS84))
    except ValueError:
        raise InvalidParameter(f"{name}={args.get(name)!r} 不是支持的坐标参考系"
                               f"（unsupported CRS）；支持：{', '.join(SUPPORTED)}") from None


def _bbox(args):
    raw = args.get("bbox")
    crs = _crs(args, "bbox-crs")
    if raw is None:
        return None
    try:
        numbers = [float(v) for v in raw.split(",")]
    except ValueError:
        raise InvalidParameter(f"bbox={raw!r} 应为逗号分隔的 4 个数") from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(v) for v in numbers):
        raise InvalidParameter(f"bbox={raw!r} 应为 4 个（或 6 个）有限的数")
    lon, lat = ((1, 3), (0, 2)) if crs.lat_first else ((0, 2), (1, 3))
    if numbers[lat[0]] > numbers[lat[1]]:
        raise InvalidParameter(f"bbox={raw!r}：南边界大于北边界（min latitude above max）")
    if not _in_range(numbers, crs):
        raise InvalidParameter(f"bbox={raw!r} 超出 {crs.uri} 的有效范围（检查 bbox-crs 与轴序）")
    if numbers[lon[0]] <= numbers[lon[1]]:
        return _to_lonlat(raw, numbers, crs)
    # min longitude > max longitude: the box crosses the antimeridian (Part 1, 7.15.3)
    edge = MERCATOR_LIMIT if crs.uri == EPSG_3857 else 180.0
    east, west = list(numbers), list(numbers)
    east[lon[1]], west[lon[0]] = edge, -edge
    first, second = _to_lonlat(raw, east, crs), _to_lonlat(raw, west, crs)
    return (first[0], min(first[1], second[1]), second[2], max(first[3], second[3]))


def _to_lonlat(raw, numbers, crs):
    if crs.uri == CRS84:
        return tuple(numbers)
    with np.errstate(all="ignore"):
        lonlat = bbox_to_lonlat(tuple(numbers), crs)
    if not all(math.isfinite(v) for v in lonlat):
        raise InvalidParameter(f"bbox={raw!r} 在 {crs.uri} 中超出有效范围")
    return lonlat


def _in_range(numbers, crs) -> bool:
    if crs.uri == EPSG_3857:
        return all(abs(v) <= MERCATOR_LIMIT for v in numbers)
    lat_index = (0, 2) if crs.lat_first else (1, 3)
    lats = [numbers[i] for i in lat_index]
    lons = [numbers[i] for i in range(4) if i not in lat_index]
    return all(-90 <= v <= 90 for v in lats) and all(-180 <= v <= 180 for v in lons)


def _filters(args, table: FeatureTable):
    out = []
    for name, kind in table.kinds.items():
        raw = args.get(name)
        if raw is not None:
            try:
                out.append((name, coerce(kind, name, raw)))
            except QueryError as exc:
                raise InvalidParameter(str(exc)) from None
    return tuple(out)


def _properties(args, table: FeatureTable):
    raw = args.get("properties")
    if raw is None:
        return None
    names = tuple(n.strip() for n in raw.split(",") if n.strip())
    known = [c for c in table.frame.columns if c != table.frame.geometry.name]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InvalidParameter(f"properties：未知属性 {unknown}；可用：{', '.join(known)}")
    return names


def _sortby(args, table: FeatureTable):
    raw = args.get("sortby")
    if raw is None:
        return ()
    out = []
    for part in raw.split(","):
        part = part.strip()
        ascending = not part.startswith("-")
        name = part.lstrip("+-").strip()
        if name not in table.kinds:
            raise InvalidParameter(f"sortby：{name!r} 不是可排序属性；"
                                   f"可用：{', '.join(table.kinds)}")
        out.append((name, ascending))
    return tuple(out)
