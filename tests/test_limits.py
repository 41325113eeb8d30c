"""Fair limits for anonymous work (web/limits.py): heavy requests per client, 429 beyond."""

import pytest
from conftest import ADMIN_TOKEN
from werkzeug.datastructures import MultiDict

from web import create_app
from web.limits import heavy_kind
from web.settings import Settings


@pytest.fixture(scope="module")
def limited_app(sample_store, tmp_path_factory):
    return create_app({"testing": True, "store_url": str(sample_store), "rate_limits": "on",
                       "rate_limit_reports": "3 per minute", "rate_limit_items": "2 per minute",
                       "rate_limit_maps": "100 per minute", "rate_limit_pages": "100 per minute",
                       "admin_tokens": f"tester:{ADMIN_TOKEN}",
                       "export_cache_dir": str(tmp_path_factory.mktemp("exports")),
                       "documents_dir": str(tmp_path_factory.mktemp("documents"))})


def _client(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_flood_of_reports_gets_429_with_retry_after(limited_app):
    client = _client(limited_app, "10.1.0.1")
    statuses = [client.get("/regions/341300/report.xlsx").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = client.get("/regions/341300/report.xlsx", headers={"Accept": "text/html"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    page = refused.get_data(as_text=True)
    assert "请求过于频繁" in page and "60 秒限 3 次" in page
    # the same client's light requests and other clients' reports are unaffected
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/collections").status_code == 200
    assert _client(limited_app, "10.1.0.2").get("/regions/341300/report.xlsx").status_code == 200


def test_large_item_pages_are_limited_and_small_ones_are_not(limited_app):
    client = _client(limited_app, "10.2.0.1")
    small = [client.get("/api/collections/entities/items?limit=10").status_code
             for _ in range(6)]
    assert small == [200] * 6
    # a page the response cache already holds costs nothing and is not counted
    assert client.get("/api/collections/entities/items?limit=5000").status_code == 200
    assert client.get("/api/collections/entities/items?limit=5000").status_code == 200
    large = [client.get(f"/api/collections/entities/items?limit=5000&offset={i}").status_code
             for i in range(1, 3)]
    assert large == [200, 429]
    assert client.get("/api/collections/entities/items?limit=5000&offset=9",
                      headers={"Accept": "application/json"}).get_json()["code"] \
        == "TooManyRequests"


def test_signed_in_users_are_not_limited(limited_app):
    client = _client(limited_app, "10.3.0.1")
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    statuses = [client.get("/regions/341300/report.xlsx", headers=auth).status_code
                for _ in range(5)]
    assert statuses == [200] * 5


@pytest.mark.parametrize("endpoint, args, kind", [
    ("regions.report", {}, "reports"), ("export.export_region", {"dpi": "72"}, "reports"),
    ("maps.region_map", {"indicator": "x"}, "maps"), ("regions.region", {}, "pages"),
    ("api.items", {"limit": "1001"}, "items"), ("api.items", {"limit": "1000"}, None),
    ("api.items", {"limit": "abc"}, None), ("api.items", {}, None),
    ("pages.healthz", {}, None), ("tiles.tile", {}, None), (None, {}, None)])
def test_heavy_kinds(endpoint, args, kind):
    assert heavy_kind(endpoint, MultiDict(args)) == kind


def test_rate_settings_are_checked():
    with pytest.raises(ValueError, match="rate_limit_maps"):
        Settings(rate_limit_maps="often")
    with pytest.raises(ValueError, match="rate_limits"):
        Settings(rate_limits="sometimes")
    assert Settings().rate_limits == "off"  # a bare app; `make serve` turns them on


def test_every_report_format_is_limited_as_a_report(limited_app):
    reports = {rule.endpoint for rule in limited_app.url_map.iter_rules()
               if "/report." in rule.rule}
    assert len(reports) >= 3  # PDF, XLSX, DOCX
    assert all(heavy_kind(endpoint, MultiDict()) == "reports" for endpoint in reports)
