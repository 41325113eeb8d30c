from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.boundaries import load_boundaries
from geo.corridor import (
    DEFAULT_BUFFER_M,
    check_buffer_m,
    corridor_buffer,
    members,
    metric_crs,
    split_zones,
)
from layers import get_layer
from layers.base import LayerContext, LayerError
from layers.entities import read_carriers, read_entities

DATA = Path(__file__).resolve().parents[1] / "data"
GEOD = Geod(ellps="WGS84")
CORRIDOR = "lyg-hgs-corridor"


@pytest.fixture(scope="module")
def entities():
    return read_entities(DATA)


@pytest.fixture(scope="module")
def counties():
    b = load_boundaries(DATA / "boundaries", "full")
    return b[b["level"] == "county"].set_index("adcode")


def _context(**options):
    return LayerContext(data_dir=DATA, resolve=get_layer, options=options)


def _geodesic_distance_m(line, point) -> float:
    """Shortest geodesic distance from ``point`` to ``line``, via a 5 m densified line."""
    lons, lats = [], []
    for (x0, y0), (x1, y1) in zip(line.coords[:-1], line.coords[1:]):
        _, _, length = GEOD.inv(x0, y0, x1, y1)
        n = max(2, int(length / 5))
        lons.extend(np.linspace(x0, x1, n))
        lats.extend(np.linspace(y0, y1, n))
    _, _, dist = GEOD.inv(np.full(len(lons), point.x), np.full(len(lats), point.y), lons, lats)
    return float(np.min(dist))


def _east_of(lon, lat, metres):
    x, y, _ = GEOD.fwd(lon, lat, 90, metres)
    return shapely.Point(x, y)


def test_buffer_is_in_metres_not_degrees():
    line = shapely.LineString([(119.24, 34.50), (119.24, 34.60)])
    area = corridor_buffer(line, 2000)
    _, _, length = GEOD.inv(119.24, 34.50, 119.24, 34.60)
    expected = 2 * 2000 * length + np.pi * 2000 ** 2
    got, _ = GEOD.geometry_area_perimeter(area)
    assert abs(abs(got) - expected) / expected < 0.005
    assert area.contains(_east_of(119.24, 34.55, 1950))
    assert not area.contains(_east_of(119.24, 34.55, 2050))


def test_members_by_distance_in_metres():
    line = shapely.LineString([(119.24, 34.50), (119.24, 34.60)])
    carriers = gpd.GeoDataFrame({"id": ["near", "edge-in", "edge-out", "far"]}, geometry=[
        _east_of(119.24, 34.55, 100), _east_of(119.24, 34.55, 1900),
        _east_of(119.24, 34.55, 2100), _east_of(119.24, 34.55, 9000)], crs=4326)
    assert members(line, carriers, 2000) == ["edge-in", "near"]
    assert members(line, carriers, 150) == ["near"]
    with pytest.raises(ValueError, match="EPSG:4326"):
        members(line, carriers.to_crs(3857), 2000)


@pytest.mark.parametrize("bad", [0, -5, "wide", None, 1e9])
def test_buffer_width_is_validated(bad):
    with pytest.raises(ValueError, match="buffer_m"):
        check_buffer_m(bad)


def test_split_needs_a_crossing_divider():
    line = shapely.LineString([(119.24, 34.50), (119.24, 34.60)])
    area = corridor_buffer(line, 1000)
    crossing = shapely.LineString([(119.23, 34.55), (119.25, 34.55)])
    south, north = split_zones(area, crossing, line)
    assert south.centroid.y < 34.55 < north.centroid.y
    assert abs(south.area + north.area - area.area) / area.area < 1e-6
    far_away = shapely.LineString([(119.23, 35.55), (119.25, 35.56)])
    with pytest.raises(ValueError, match="parts"):
        split_zones(area, far_away, line)


def test_centre_line_runs_north_south_through_haizhou(entities, counties):
    line = entities.set_index("id").geometry[CORRIDOR]
    azimuth = GEOD.inv(*line.coords[0], *line.coords[-1])[0] % 360
    assert min(azimuth, 360 - azimuth) < 30 or abs(azimuth - 180) < 30
    _, _, length = GEOD.inv(*line.coords[0], *line.coords[-1])
    assert length > 5000
    crossed = counties[counties.intersects(line)]
    assert set(crossed.index) == {"320706"}  # 海州区 only
    assert counties.geometry["320706"].contains(line)


def test_members_are_exactly_the_carriers_within_the_buffer(entities):
    frame = _context().layer("corridors")
    buffer_row = frame[frame["part"] == "buffer"].set_index("corridor_id").loc[CORRIDOR]
    line = entities.set_index("id").geometry[CORRIDOR]
    carriers = read_carriers(DATA)
    ids = set(carriers.loc[carriers["corridor_id"] == CORRIDOR, "entity_id"])
    by_id = entities.set_index("id")
    distance = {i: _geodesic_distance_m(line, by_id.geometry[i]) for i in ids}
    assert all(abs(d - DEFAULT_BUFFER_M) > 25 for d in distance.values()), distance
    expected = {i for i, d in distance.items() if d <= DEFAULT_BUFFER_M}
    assert set(buffer_row["members"].split("|")) == expected
    assert set(buffer_row["carriers"].split("|")) == ids
    assert {"lyg-jou", "lyg-716"} <= expected and "lyg-etdz" not in expected
    assert buffer_row["buffer_m"] == DEFAULT_BUFFER_M


def test_width_option_changes_membership():
    wide = _context(corridor_buffer_m=10_000).layer("corridors")
    narrow = _context(corridor_buffer_m=200).layer("corridors")
    row = {name: f[f["part"] == "buffer"].iloc[0] for name, f in (("wide", wide),
                                                                   ("narrow", narrow))}
    assert set(row["narrow"]["members"].split("|")) < set(row["wide"]["members"].split("|"))
    assert row["wide"]["members"].split("|") and "lyg-etdz" in row["wide"]["members"]
    zones = wide[wide["part"] == "zone"].to_crs(32650)
    buffer_area = wide[wide["part"] == "buffer"].to_crs(32650).area.iloc[0]
    assert abs(zones.area.sum() - buffer_area) / buffer_area < 1e-6
    with pytest.raises(LayerError, match="buffer_m"):
        _context(corridor_buffer_m=-3).layer("corridors")


def test_zones_and_nodes_follow_the_plan(catalog):
    frame = catalog.frame("corridors").set_index("id")
    south, north = frame.geometry["lyg-hgs-south"], frame.geometry["lyg-hgs-north"]
    assert south.centroid.y < north.centroid.y
    assert south.intersection(north).area < 1e-12
    divider = frame.geometry["lyg-gcdd"]
    assert divider.intersects(frame.geometry["lyg-hgs-road"])
    for node in ("lyg-hgs-node-usp", "lyg-hgs-node-life"):  # 南片区: talent, start-ups, living
        assert south.contains(frame.geometry[node])
    for node in ("lyg-hgs-node-rd", "lyg-hgs-node-industry"):  # 北片区: R&D, industry
        assert north.contains(frame.geometry[node])
    nodes = frame[frame["part"] == "node"]
    assert set(nodes["name"]) == {"大学科技园区", "科技研发核心区", "高端产业集聚区", "生活配套服务区"}


def test_other_corridors_have_honest_lines(entities):
    corridors = entities[entities["type"] == "corridor"].set_index("id")
    for name in ("沿海科技走廊", "沿江产业技术研发带"):
        row = corridors[corridors["name"] == name].iloc[0]
        assert row.geometry.geom_type == "LineString"
        assert row["precision"] == "approximate" and "Schematic" in row["note"]
    coastal = corridors[corridors["name"] == "沿海科技走廊"].geometry.iloc[0]
    cities = load_boundaries(DATA / "boundaries", "coarse").set_index("adcode")
    for city in ("320600", "320900", "320700"):  # 南通, 盐城, 连云港
        assert coastal.intersects(cities.geometry[city])


def test_width_setting_is_declared_and_validated():
    from web.settings import from_environment

    assert from_environment({}).corridor_buffer_m == DEFAULT_BUFFER_M
    assert from_environment({"INNOMAP_CORRIDOR_BUFFER_M": "750"}).corridor_buffer_m == 750.0
    with pytest.raises(ValueError, match="corridor_buffer_m"):
        from_environment({"INNOMAP_CORRIDOR_BUFFER_M": "0"})


@pytest.mark.parametrize("lon,lat", [(118.3, 33.9), (87.6, 43.8), (126.6, 45.7), (110.3, 20.0),
                                     (91.1, 29.6), (-73.9, 40.7), (151.2, -33.9), (2.3, 48.9),
                                     (179.5, -16.5), (-179.5, 65.0)])
def test_metric_crs_is_the_utm_zone_geopandas_estimates(lon, lat):
    line = shapely.LineString([(lon - 0.3, lat - 0.2), (lon + 0.3, lat + 0.2)])
    expected = gpd.GeoSeries([line], crs="EPSG:4326").estimate_utm_crs()
    assert metric_crs(line) == expected
