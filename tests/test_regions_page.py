"""A region page's status chips: each leads to the rows of its status."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from store import open_store
from web import create_app

CHIP = re.compile(r'<a class="im-chip[^"]*" href="([^"]+)" data-status="([^"]+)"[^>]*>.*?'
                  r'(\d+) 项</a>', re.S)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """An app whose store holds 宿迁's actuals of two indicators, so its targets differ
    in status."""
    path = tmp_path_factory.mktemp("regions") / "store.gpkg"
    open_store(path).add_import("metrics", pd.DataFrame({
        "region_adcode": ["321300", "321300"],
        "indicator_id": ["rd_intensity", "tech_progress_contribution"],
        "year": [2024, 2024], "value": [1.9, 70.0], "unit": ["%", "%"],
        "source": ["actuals.csv 第 2 行", "actuals.csv 第 3 行"]}),
        user="tests", filename="actuals.csv", sha256="0")
    return create_app({"testing": True, "store_url": str(path)}).test_client()


def chips(html: str) -> list[tuple[str, str, int]]:
    return [(unescape(href), status, int(n)) for href, status, n in CHIP.findall(html)]


def card_statuses(html: str) -> list[str]:
    return re.findall(r'<div class="im-card" data-id="[^"]+" data-status="([^"]+)"', html)


def test_every_chip_links_to_exactly_the_rows_of_its_status(client):
    adcode = "321300"
    page = client.get(f"/regions/{adcode}").data.decode()
    all_cards = card_statuses(page)
    found = chips(page)
    assert len(found) >= 2  # the regions have targets of several statuses
    for href, status, count in found:
        link = urlsplit(href)
        assert link.path == f"/regions/{adcode}" and parse_qs(link.query)["status"] == [status]
        assert link.fragment == "im-targets"
        target = client.get(f"{link.path}?{link.query}")
        assert target.status_code == 200
        html = target.data.decode()
        assert 'id="im-targets"' in html  # the fragment the chip points at exists
        shown = card_statuses(html)
        assert shown == [s for s in all_cards if s == status] and len(shown) == count
        assert "只显示状态为" in html and f'href="/regions/{adcode}#im-targets"' in html
        assert 'aria-current="true"' in html


def test_chip_counts_add_up_and_a_status_without_rows_is_no_link(client):
    page = client.get("/regions/321300").data.decode()
    total = int(re.search(r"共 (\d+) 项目标", page).group(1))
    assert sum(n for _, _, n in chips(page)) == total == len(card_statuses(page))
    for status in re.findall(r'<span class="im-chip im-chip-none"><span class="im-status '
                              r'im-status-([^"]+)">', page):
        assert f'data-status="{status}"' not in page.split('id="im-targets"')[0]


def test_an_unknown_status_is_a_400_in_chinese(client):
    answer = client.get("/regions/321300?status=完成", headers={"Accept": "application/json"})
    assert answer.status_code == 400 and "未知的状态“完成”" in answer.get_json()["description"]


def _charts(page: str) -> list[dict]:
    import json

    return [json.loads(unescape(spec)) for spec in re.findall(
        r'id="im-compare-\d+-spec">(.*?)</script>', page, re.S)]


@pytest.mark.parametrize("adcode, name", [("321300", "宿迁市"), ("320700", "连云港市"),
                                          ("341300", "宿州市")])
def test_every_comparison_on_a_region_page_sets_the_region_beside_another(client, adcode,
                                                                         name):
    charts = _charts(client.get(f"/regions/{adcode}").get_data(as_text=True))
    assert charts  # these regions share indicators and periods with others
    for chart in charts:
        assert name in chart["categories"] and len(chart["categories"]) > 1, chart["title"]
