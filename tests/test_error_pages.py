"""HTTP errors answer in the UI's language, keeping a description a route gave."""

import pytest
from werkzeug.exceptions import NotFound

from web.errors import HTTP_DESCRIPTIONS, http_description


def test_an_unknown_page_is_explained_in_chinese(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "找不到该页面" in text
    assert "requested URL" not in text


def test_an_unknown_api_path_says_it_in_chinese_json(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "NotFound"
    assert body["description"] == HTTP_DESCRIPTIONS[404]


def test_a_wrong_method_is_explained_and_keeps_allow(client):
    response = client.delete("/", headers={"Accept": "text/html"})
    assert response.status_code == 405
    assert "不接受这种请求方式" in response.get_data(as_text=True)
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("status", sorted(HTTP_DESCRIPTIONS))
def test_every_listed_description_is_chinese(status):
    assert all(not ("a" <= ch.lower() <= "z") for ch in HTTP_DESCRIPTIONS[status])


def test_a_description_given_by_the_route_is_kept():
    assert http_description(NotFound("该地区没有规划。")) == "该地区没有规划。"
    assert http_description(NotFound()) == HTTP_DESCRIPTIONS[404]


@pytest.mark.parametrize("path", ["/no-such-page", "/regions/999999", "/targets?region=abc",
                                  "/maps/321300?indicator=nope"])
def test_an_error_page_for_people_names_no_internal_code(client, path):
    import re

    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code in (400, 404)
    body = response.get_data(as_text=True).split("<body>", 1)[1]
    shown = re.sub(r"<[^>]+>", " ", body)
    for code in ("NotFound", "InvalidParameterValue", "InvalidParameter", "BadRequest"):
        assert code not in shown, code
    json = client.get(path, headers={"Accept": "application/json"}).get_json()
    assert json["code"]  # programs still get it
