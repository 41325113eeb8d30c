import geopandas as gpd
import pytest
import shapely

from layers import REGISTRY, LayerError, get_layer, load_catalog
from layers.base import Layer, check_layer_frame


@pytest.mark.parametrize("layer_id", sorted(REGISTRY))
def test_every_layer_meets_contract(catalog, layer_id):
    layer = REGISTRY[layer_id]
    gdf = catalog.whole(layer_id)  # a store-backed layer's rows are read from the store
    assert isinstance(gdf, gpd.GeoDataFrame) and len(gdf) > 0
    if layer.storage == "store":  # the catalog keeps its columns, not its rows
        assert len(catalog.frame(layer_id)) == 0
        assert list(catalog.frame(layer_id).columns) == list(gdf.columns)
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.is_valid.all()
    assert gdf[layer.id_field].is_unique
    assert layer.title and layer.description
    assert set(layer.queryables(gdf)) <= set(gdf.columns)


def test_boundary_layer_levels(catalog):
    assert set(catalog.frame("boundaries-county")["level"]) == {"county"}
    assert len(catalog.frame("boundaries-city")) == 29
    assert len(catalog.frame("boundaries-province")) == 2


def test_unknown_layer_named_in_error():
    with pytest.raises(LayerError, match="no-such-layer"):
        get_layer("no-such-layer")


class _Fake(Layer):
    id = "fake"
    title = description = "fake"

    def __init__(self, frame):
        self.frame = frame

    def load(self, ctx):
        return self.frame


@pytest.mark.parametrize("frame,message", [
    (gpd.GeoDataFrame({"id": [1, 1]}, geometry=[shapely.Point(0, 0)] * 2, crs=4326),
     "duplicate ids"),
    (gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(0, 0)], crs=3857), "EPSG:4326"),
    (gpd.GeoDataFrame({"x": [1]}, geometry=[shapely.Point(0, 0)], crs=4326), "id field"),
    (gpd.GeoDataFrame({"id": [1]}, crs=4326, geometry=[
        shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])]), "invalid geometry"),
])
def test_contract_violations_are_reported(frame, message):
    with pytest.raises(LayerError, match=message):
        check_layer_frame(_Fake(frame), frame)


def test_missing_data_dir_fails_loudly(tmp_path):
    with pytest.raises(Exception, match="units.csv"):
        load_catalog(tmp_path)
