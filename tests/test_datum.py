import numpy as np
import prcoords
import pytest
import shapely
from pyproj import Geod

from geo.datum import (
    bd09_to_gcj02,
    gcj02_offset,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometry_gcj02_to_wgs84,
    geometry_wgs84_to_gcj02,
    normalize_datum,
    to_wgs84,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")
# A grid over Jiangsu and northern Anhui, 0.1 degree apart.
LON, LAT = np.meshgrid(np.arange(116.0, 122.01, 0.1), np.arange(30.5, 35.51, 0.1))
LON, LAT = LON.ravel(), LAT.ravel()


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def test_forward_agrees_with_independent_library():
    glon, glat = wgs84_to_gcj02(LON, LAT)
    ref = np.array([prcoords.wgs_gcj((la, lo)) for lo, la in zip(LON, LAT)])
    assert np.max(metres(glon, glat, ref[:, 1], ref[:, 0])) < 0.01


def test_round_trip_under_one_metre_on_grid():
    wlon, wlat = gcj02_to_wgs84(*wgs84_to_gcj02(LON, LAT))
    assert np.max(metres(LON, LAT, wlon, wlat)) < 1.0


def test_offset_is_hundreds_of_metres_in_region():
    glon, glat = wgs84_to_gcj02(LON, LAT)
    shift = metres(LON, LAT, glon, glat)
    assert shift.min() > 100 and shift.max() < 1000


def test_no_offset_outside_mainland():
    dlon, dlat = gcj02_offset([2.35, -74.0], [48.85, 40.7])
    assert np.all(dlon == 0) and np.all(dlat == 0)


def test_bd09_round_trip_and_reference():
    blon, blat = gcj02_to_bd09(LON, LAT)
    ref = prcoords.gcj_bd((LAT[0], LON[0]))
    assert metres(blon[0], blat[0], ref.lon, ref.lat) < 0.01
    glon, glat = bd09_to_gcj02(blon, blat)
    assert np.max(metres(LON, LAT, glon, glat)) < 1.0


@pytest.mark.parametrize("datum", ["WGS84", "GCJ-02", "BD-09"])
def test_to_wgs84_recovers_position(datum):
    lon, lat = 119.2215, 34.5967
    given = {"WGS84": (lon, lat), "GCJ-02": wgs84_to_gcj02(lon, lat),
             "BD-09": gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))}[datum]
    wlon, wlat = to_wgs84(*given, datum)
    assert metres(lon, lat, wlon, wlat) < 1.0


def test_unknown_datum_is_named_in_error():
    with pytest.raises(ValueError, match="CGCS9999"):
        normalize_datum("CGCS9999")


@pytest.mark.parametrize("spelling,expected", [("gcj02", "GCJ-02"), ("bd_09", "BD-09"),
                                               ("wgs 84", "WGS84")])
def test_datum_spellings(spelling, expected):
    assert normalize_datum(spelling) == expected


def test_geometry_round_trip_keeps_shape():
    poly = shapely.box(119.1, 34.5, 119.3, 34.7)
    back = geometry_gcj02_to_wgs84(geometry_wgs84_to_gcj02(poly))
    assert back.equals_exact(poly, tolerance=1e-8)
