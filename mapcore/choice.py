"""What a map's choropleth shows, parsed from query arguments (a plain mapping)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from geo import thematic
from mapcore.errors import InvalidChoice
from mapcore.values import MapIndicator

LEVEL_LABELS = {"province": "省", "city": "设区市", "county": "县（市、区）"}
DEFAULT_SCHEME = "natural_breaks"  # skewed counts (most counties 0) read best in Jenks classes
YEAR_RANGE = (1949, 2100)
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?", re.ASCII)
MAX_BREAK = 1e15  # larger class bounds are no measure of any indicator here


@dataclass(frozen=True)
class Choice:
    """What the choropleth shows. ``level_given``: the level came from the query."""

    indicator: MapIndicator | None
    kind: str
    year: int | None
    scheme: str
    k: int
    breaks: tuple[float, ...] | None
    level: str
    level_given: bool = False


def parse_int(args: Mapping, name: str, default, low: int, high: int):
    """The integer argument ``name`` within [low, high]; InvalidChoice names it otherwise."""
    raw = args.get(name)
    if raw in (None, ""):
        return default
    text = str(raw).strip()
    if not (text.isascii() and text.lstrip("+-").isdigit()) or len(text) > 20:
        raise InvalidChoice(f"参数 {name} 应为整数，收到 {raw!r}")
    value = int(text)
    if not low <= value <= high:
        raise InvalidChoice(f"参数 {name} 应在 {low}–{high} 之间，收到 {value}")
    return value


def parse_choice(args: Mapping, available: dict[str, MapIndicator],
                 levels: tuple[str, ...], default_indicator) -> Choice:
    """Validate the query; InvalidChoice names the bad parameter.

    ``levels`` are the unit levels the map can show (the first is the default);
    ``default_indicator(level)`` picks the indicator when the query names none.
    """
    level = args.get("level") or levels[0]
    if level not in levels:
        raise InvalidChoice(f"参数 level 无效：{level!r}；此图可选 {', '.join(levels)}")
    if "indicator" in args:
        indicator = _indicator(args.get("indicator"), available)
    else:
        indicator = default_indicator(level)
    kind = _kind(args.get("kind") or "", indicator)
    scheme = args.get("scheme") or DEFAULT_SCHEME
    if scheme not in thematic.SCHEMES:
        raise InvalidChoice(f"参数 scheme 无效：{scheme!r}；可选 {', '.join(thematic.SCHEMES)}")
    k = parse_int(args, "k", 5, 1, thematic.MAX_CLASSES)
    year = parse_int(args, "year", None, *YEAR_RANGE)
    breaks = parse_breaks(args.get("breaks"), scheme)
    return Choice(indicator, kind, year, scheme, k, breaks, level, bool(args.get("level")))


def _indicator(raw, available: dict[str, MapIndicator]) -> MapIndicator | None:
    if not raw:
        return None
    if raw not in available:
        raise InvalidChoice(f"参数 indicator 无效：未知指标 {raw!r}")
    return available[raw]


def _kind(kind: str, indicator: MapIndicator | None) -> str:
    if indicator is None:
        if kind and kind not in thematic.VALUE_KINDS:
            raise InvalidChoice(f"参数 kind 无效：{kind!r}；可选 {', '.join(thematic.VALUE_KINDS)}")
        return kind or "target"
    kind = kind or ("target" if "target" in indicator.kinds else indicator.kinds[0])
    if kind not in indicator.kinds:
        raise InvalidChoice(f"参数 kind 无效：{kind!r}；指标“{indicator.name}”可选 "
                            f"{', '.join(indicator.kinds)}")
    return kind


def parse_breaks(raw: str | None, scheme: str) -> tuple[float, ...] | None:
    """User-defined class bounds: increasing finite numbers of at most ±1e15."""
    if scheme != "user_defined":
        if raw:
            raise InvalidChoice("参数 breaks 只用于 scheme=user_defined")
        return None
    if not raw:
        raise InvalidChoice("scheme=user_defined 需要参数 breaks，例如 breaks=1,2,5")
    parts = [x.strip() for x in str(raw).split(",")]
    if not all(PLAIN_NUMBER.fullmatch(x) for x in parts):
        raise InvalidChoice(f"参数 breaks 应为逗号分隔的数字，收到 {raw!r}")
    values = tuple(float(x) for x in parts)
    if any(not math.isfinite(v) or abs(v) > MAX_BREAK for v in values) or any(
            b <= a for a, b in zip(values, values[1:])):
        raise InvalidChoice(f"参数 breaks 应为递增的有限数字（绝对值不超过 1e15），收到 {raw!r}")
    if len(values) > thematic.MAX_CLASSES:
        raise InvalidChoice(f"参数 breaks 最多 {thematic.MAX_CLASSES} 个断点")
    return values


def default_indicator(available: dict[str, MapIndicator], adcodes: set[str]):
    """The indicator with values for most of ``adcodes`` (carriers first on ties)."""
    best = max(available.values(), default=None,
               key=lambda i: (len(i.adcodes & adcodes), i.derived, i.id == "carriers.total"))
    return best if best is not None and best.adcodes & adcodes else None
