"""Numbered carriers on a static map and their key table.

A report map cannot rely on a popup: every carrier drawn gets a number written beside
its symbol, and a key table (number → name, type, position precision) is printed
beside or below the map. Symbols that would overprint at the print scale are grouped:
one ring around them and one callout listing their numbers, which run consecutively
within a group. Numbers run from north to south, then west to east.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.patches import Circle
from matplotlib.transforms import Bbox
from pyproj import CRS

from geo.fonts import CjkFont
from geo.map_drawing import MapDrawing

#: More carriers than this on one map are not numbered: the key would crowd out the map.
KEY_MAX = 150
KEY_COLUMNS = ("编号", "名称", "类型", "位置精度")
NUMBERS_PER_LINE = 5  # a group's callout: numbers per line
NUMBER_INK = "#1a1a1a"
GROUP_EDGE = "#333333"


@dataclass(frozen=True)
class KeyEntry:
    """One row of the key table; ``group`` is the number of the group's first member;
    ``sites``: how many places the carrier's number is written at (a MultiPoint)."""

    number: int
    name: str
    type: str
    precision: str
    group: int
    sites: int = 1


@dataclass(frozen=True)
class KeyLayout:
    """How the key table is set: type size (pt), columns, and its size in points."""

    size: float
    columns: int
    width_pt: float
    height_pt: float


def keyed_points(drawing: MapDrawing) -> gpd.GeoDataFrame | None:
    """The point features a key would list (named, one carrier each), in overlay
    order; None when there are none."""
    frames = []
    for order, overlay in enumerate(drawing.overlays):
        frame = overlay.frame
        if overlay.kind != "points" or not len(frame) or "name" not in frame:
            continue
        keyed = frame["keyed"].astype(bool) if "keyed" in frame else \
            pd.Series(True, index=frame.index)
        rows = frame[keyed & frame.geometry.notna()]
        if len(rows):
            frames.append(rows.assign(key_order=order, key_type=_column(rows, "type",
                                                                  overlay.symbol.label),
                                      key_precision=_column(rows, "precision", "")))
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True)


def _column(frame, column: str, default: str) -> pd.Series:
    if column not in frame:
        return pd.Series(default, index=frame.index)
    return frame[column].fillna("").astype(str).replace("", default)


def number_points(ax, points: gpd.GeoDataFrame, crs: CRS, radius_px: float) -> list[dict]:
    """Group symbols that would overprint (closer than two ``radius_px`` on the page)
    and number the carriers; returns the groups, each with its display centre, ring
    radius, the numbers written there and the key entries first numbered there. A
    carrier at several sites (a MultiPoint) has one number, written at each site."""
    parts = points.geometry.to_crs(crs).explode(index_parts=False)
    parts = parts[parts.geom_type == "Point"]
    owner = np.asarray(parts.index)  # the row of ``points`` each site belongs to
    xy = ax.transData.transform(np.column_stack([parts.x, parts.y]))
    labels = _clusters(xy, 2 * radius_px)
    sites_of = pd.Series(owner).value_counts()
    groups = []
    for label in np.unique(labels):
        sites = np.flatnonzero(labels == label)
        centre = xy[sites].mean(axis=0)
        spread = np.hypot(*(xy[sites] - centre).T).max()
        groups.append({"rows": sorted(set(owner[sites].tolist())), "centre": centre,
                       "radius": spread + radius_px * (1.4 if len(sites) > 1 else 1.0),
                       "ring": len(sites) > 1})
    groups.sort(key=lambda g: (-round(g["centre"][1] / (4 * radius_px)), g["centre"][0]))
    numbers: dict[int, int] = {}
    for group in groups:
        rows = points.loc[group["rows"]].sort_values(["key_order", "name"])
        group["entries"] = []
        first = len(numbers) + 1
        for index, row in zip(rows.index, rows.itertuples()):
            if index not in numbers:
                numbers[index] = len(numbers) + 1
                group["entries"].append(KeyEntry(numbers[index], str(row.name),
                                                 str(row.key_type), str(row.key_precision),
                                                 first, int(sites_of[index])))
        group["numbers"] = sorted(numbers[i] for i in group["rows"])
    return groups


def _clusters(xy: np.ndarray, distance: float) -> np.ndarray:
    """Single-linkage clusters of display points closer than ``distance``."""
    parent = list(range(len(xy)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    gaps = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    for i, j in zip(*np.nonzero(np.triu(gaps < distance, k=1))):
        parent[root(i)] = root(j)
    return np.array([root(i) for i in range(len(xy))])


def draw_counts(ax, groups: list[dict], font: CjkFont, s: float, taken: list) -> None:
    """Without a key (too many carriers): each group's ring and how many it holds."""
    renderer = ax.figure.canvas.get_renderer()
    to_data = ax.transData.inverted()
    for group in groups:
        if not group["ring"]:
            continue
        cx, cy = group["centre"]
        (x0, y0), (x1, _) = to_data.transform([(cx, cy), (cx + group["radius"], cy)])
        ax.add_patch(Circle((x0, y0), x1 - x0, facecolor="white", alpha=0.35,
                            edgecolor=GROUP_EDGE, lw=0.8 * s, zorder=6.5))
        artist = ax.text(0, 0, f"{len(group['rows'])}个", ha="center", va="center", zorder=9,
                         color=NUMBER_INK, fontproperties=font.properties(6 * s),
                         clip_on=True, parse_math=False,
                         bbox={"boxstyle": "round,pad=0.12", "facecolor": "white",
                               "edgecolor": GROUP_EDGE, "lw": 0.4 * s, "alpha": 0.85})
        box = artist.get_window_extent(renderer)
        _place(ax, artist, (cx, cy), group["radius"], box.width, box.height, taken)


def draw_numbers(ax, groups: list[dict], font: CjkFont, s: float, taken: list) -> None:
    """Each single carrier's number beside its symbol; each group's ring and a callout
    with its numbers; both placed where they overlap no label already ``taken``."""
    renderer = ax.figure.canvas.get_renderer()
    to_data = ax.transData.inverted()
    for group in groups:
        numbers = [str(n) for n in group["numbers"]]
        cx, cy = group["centre"]
        if group["ring"]:
            (x0, y0), (x1, _) = to_data.transform([(cx, cy), (cx + group["radius"], cy)])
            ax.add_patch(Circle((x0, y0), x1 - x0, facecolor="white", alpha=0.35,
                                edgecolor=GROUP_EDGE, lw=0.8 * s, zorder=6.5))
            text = "\n".join("、".join(numbers[i:i + NUMBERS_PER_LINE])
                             for i in range(0, len(numbers), NUMBERS_PER_LINE))
        else:
            text = numbers[0]
        artist = ax.text(0, 0, text, ha="center", va="center", zorder=9, color=NUMBER_INK,
                         fontproperties=font.properties(6.5 * s, "bold"), clip_on=True,
                         parse_math=False, linespacing=1.1,
                         bbox={"boxstyle": "round,pad=0.12", "facecolor": "white",
                               "edgecolor": GROUP_EDGE if group["ring"] else "none",
                               "lw": 0.4 * s, "alpha": 0.85})
        box = artist.get_window_extent(renderer)
        _place(ax, artist, (cx, cy), group["radius"], box.width, box.height, taken)


def _place(ax, artist, centre, radius, width, height, taken) -> None:
    """Put ``artist`` beside ``centre`` at the first free of eight positions, then of
    eight a little farther out (joined to its symbol by a thin leader line); where none
    is free, at the first."""
    cx, cy = centre
    candidates = []
    for reach in (1.0, 2.6, 4.2):
        gap = (radius * 1.35 + 1.5) * reach  # clear of its own symbol's box
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)):
            x = cx + dx * (gap + width / 2)
            y = cy + dy * (gap + height / 2)
            candidates.append((reach, Bbox.from_extents(x - width / 2, y - height / 2,
                                                        x + width / 2, y + height / 2)))
    reach, chosen = next(((r, b) for r, b in candidates if not _overlaps(b, taken)),
                         candidates[0])
    taken.append(tuple(chosen.extents))
    to_data = ax.transData.inverted()
    middle = ((chosen.x0 + chosen.x1) / 2, (chosen.y0 + chosen.y1) / 2)
    artist.set_position(to_data.transform(middle))
    if reach > 1:
        (x0, y0), (x1, y1) = to_data.transform([centre, middle])
        ax.plot([x0, x1], [y0, y1], color=GROUP_EDGE, lw=0.4, zorder=8.5, clip_on=True)


def _overlaps(box, taken: list) -> bool:
    return any(box.x0 < t[2] and box.x1 > t[0] and box.y0 < t[3] and box.y1 > t[1]
               for t in taken)


# -- the key table ---------------------------------------------------------------------

def key_layout(entries: list[KeyEntry], font: CjkFont, s: float, max_width_pt: float,
               max_height_pt: float, width_of) -> KeyLayout | None:
    """The largest type (7 down to 5 pt) and fewest columns at which the key fits, or
    None. ``width_of(text, size)`` measures a text in points."""
    for size in (7.0, 6.5, 6.0, 5.5, 5.0):
        size *= s
        widths = _column_widths(entries, size, width_of)
        block = sum(widths) + size * 1.2 * (len(widths) - 1)
        for columns in (1, 2, 3):
            rows = math.ceil(len(entries) / columns) + 2  # the title and the header
            width = block * columns + size * 2 * (columns - 1)
            height = rows * size * 1.45
            if width <= max_width_pt and height <= max_height_pt:
                return KeyLayout(size, columns, width, height)
    return None


def _column_widths(entries, size, width_of) -> list[float]:
    cells = [KEY_COLUMNS] + [_cells(e) for e in entries]
    return [max(width_of(row[i], size) for row in cells) for i in range(len(KEY_COLUMNS))]


def _cells(entry: KeyEntry) -> tuple[str, str, str, str]:
    name = entry.name if entry.sites == 1 else f"{entry.name}（{entry.sites}处）"
    return (str(entry.number), name, entry.type, entry.precision)


def draw_key(figure, rect, entries: list[KeyEntry], layout: KeyLayout, font: CjkFont,
             width_of) -> None:
    """The key table in ``rect`` (figure fraction): a title, then number, name, type and
    precision of every carrier, in ``layout.columns`` blocks."""
    ax = figure.add_axes(rect)
    ax.set_axis_off()
    ax.set_xlim(0, rect[2] * figure.get_figwidth() * 72)
    top = rect[3] * figure.get_figheight() * 72
    ax.set_ylim(0, top)
    size = layout.size
    line = size * 1.45
    widths = _column_widths(entries, size, width_of)
    gap = size * 1.2
    block = sum(widths) + gap * (len(widths) - 1)
    ax.text(0, top, "载体编号表", va="top", fontproperties=font.properties(size * 1.25),
            parse_math=False)
    per_column = math.ceil(len(entries) / layout.columns)
    for c in range(layout.columns):
        x0 = c * (block + size * 2)
        rows = [KEY_COLUMNS] + [_cells(e) for e in entries[c * per_column:(c + 1) * per_column]]
        for r, cells in enumerate(rows):
            y = top - line * (r + 1.3)
            x = x0
            for i, cell in enumerate(cells):
                ax.text(x + (widths[0] if i == 0 else 0), y, cell, va="top",
                        ha="right" if i == 0 else "left", color="#1a1a1a" if r else "#555555",
                        fontproperties=font.properties(size, "bold" if i == 0 else "normal"),
                        parse_math=False)
                x += widths[i] + gap
