"""Labels of a static map (geo.map_labels): a corridor part's name goes where no
symbol or other name already is; a county's name finds a free place inside its
polygon when its centre is taken."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import pytest
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pyproj import CRS

from geo.fonts import find_cjk_font
from geo.map_labels import feature_labels, place_labels

PLANE = CRS.from_epsg(4549)


@pytest.fixture()
def ax():
    figure = Figure(figsize=(4, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_axes([0, 0, 1, 1])
    axes.set_xlim(0, 10_000)
    axes.set_ylim(0, 10_000)
    return axes


def _boxes(ax, names):
    renderer = ax.figure.canvas.get_renderer()
    return {t.get_text(): t.get_window_extent(renderer) for t in ax.texts
            if t.get_text() in names}


def test_part_names_that_would_meet_at_one_spot_are_set_apart(ax):
    # a node at the middle of the centre line, a divider crossing there, a zone around
    # it: each name's first place is the same point
    centre = shapely.Point(5_000, 5_000)
    parts = gpd.GeoDataFrame(
        {"label": ["一道：中心大道", "分界线：横向大道", "节点：核心区", "北片区"]},
        geometry=[shapely.LineString([(5_000, 2_000), (5_000, 8_000)]),
                  shapely.LineString([(2_000, 5_000), (8_000, 5_000)]), centre,
                  centre.buffer(1_500)], crs=PLANE)
    drawing = SimpleNamespace(overlays=[SimpleNamespace(frame=parts)])
    placed = feature_labels(ax, drawing, PLANE, find_cjk_font(), 1.0, [])
    assert sorted(placed) == sorted(parts["label"])
    boxes = list(_boxes(ax, set(parts["label"])).values())
    assert len(boxes) == 4
    for i, one in enumerate(boxes):
        for other in boxes[i + 1:]:
            assert not one.overlaps(other), (one, other)


def test_a_county_whose_centre_is_taken_is_named_elsewhere_inside_it(ax):
    county = shapely.box(1_000, 1_000, 9_000, 9_000)
    units = gpd.GeoDataFrame({"label": ["甲县"], "color": ["#ffffff"]}, geometry=[county],
                             crs=PLANE)
    # symbols over the middle band: the pole and the four inner points are all taken
    x0, y0 = ax.transData.transform((2_500, 2_500))
    x1, y1 = ax.transData.transform((7_500, 7_500))
    taken = [(x0, y0, x1, y1)]
    assert place_labels(ax, units, find_cjk_font(), 1.0, taken) == ("甲县",)
    box = _boxes(ax, {"甲县"})["甲县"]
    assert not (box.x0 < x1 and box.x1 > x0 and box.y0 < y1 and box.y1 > y0)


def test_a_county_partly_outside_the_frame_is_named_in_the_part_shown(ax):
    county = shapely.box(6_000, 2_000, 16_000, 8_000)  # the frame ends at 10,000
    units = gpd.GeoDataFrame({"label": ["乙县"], "color": ["#ffffff"]}, geometry=[county],
                             crs=PLANE)
    assert place_labels(ax, units, find_cjk_font(), 1.0, []) == ("乙县",)
    right = _boxes(ax, {"乙县"})["乙县"].x1
    assert right <= ax.transData.transform((10_000, 0))[0]
