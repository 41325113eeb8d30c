"""A region with no plan is still a region: its page, its map, its name from the
national boundaries (the units of every province, city and county of the country)."""

import pytest


@pytest.mark.parametrize(("adcode", "name"), [("440300", "深圳市"), ("330100", "杭州市"),
                                              ("650000", "新疆维吾尔自治区")])
def test_a_region_without_a_plan_has_a_page_with_its_map(client, adcode, name):
    page = client.get(f"/regions/{adcode}")
    assert page.status_code == 200
    text = page.data.decode()
    assert f"<title>{name}" in text
    assert f'src="/maps/{adcode}"' in text
    assert client.get(f"/maps/{adcode}").status_code == 200


def test_a_county_without_a_plan_has_a_page(client):
    page = client.get("/regions/510104")
    assert page.status_code == 200 and "<title>锦江区" in page.data.decode()


def test_an_adcode_no_boundary_knows_is_not_found(client):
    assert client.get("/regions/329900").status_code == 404


def test_a_map_of_a_region_no_plan_speaks_of_does_not_promise_carriers(app):
    from mapcore.spec import build_map
    from web import services

    bare = build_map(services(app).maps, "410100", {})  # 郑州: no plan, no carrier
    assert not bare.overlays
    assert bare.subtitle.startswith("行政区划") and "创新载体" not in bare.subtitle
    planned = build_map(services(app).maps, "321300", {"indicator": ""})
    assert planned.overlays and planned.subtitle.endswith("与创新载体")


def test_a_region_without_a_plan_says_so_once_and_offers_no_empty_report(client):
    text = client.get("/regions/510100").data.decode()  # 成都: no plan holds its targets
    assert 'id="im-no-plan"' in text and 'href="/admin/plans/"' in text
    assert "report.docx" not in text and 'id="im-chips"' not in text
    for fmt in ("pdf", "docx", "xlsx"):
        response = client.get(f"/regions/510100/report.{fmt}", headers={"Accept": "application/json"})
        assert response.status_code == 404
        assert "尚无已收录的规划目标" in response.get_json()["description"]


def test_a_region_with_targets_keeps_its_chips_and_reports(client):
    text = client.get("/regions/341300").data.decode()
    assert 'id="im-chips"' in text and "/regions/341300/report.docx" in text
    assert 'id="im-no-plan"' not in text
