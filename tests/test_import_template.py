"""Importing actuals without guesswork: a template to download, suggestions for an
indicator name the importer does not know, a preview in Chinese, local times."""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd
import pytest

from ingest.base import read_indicators
from ingest.metric_names import suggestions
from tests.conftest import ADMIN_TOKEN, ROOT
from web.import_view import local_time

BEARER = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
AUTH = {**BEARER, "Accept": "application/json"}


def upload(client, data: bytes, name: str, commit=False, headers=AUTH):
    fields = {"file": (io.BytesIO(data), name), "kind": "metrics"}
    if commit:
        fields["commit"] = "1"
    return client.post("/admin/import", data=fields, headers=headers)


@pytest.fixture(scope="module")
def client(admin_app):
    return admin_app.test_client()


def test_a_plan_phrase_suggests_the_indicator_it_means():
    indicators = read_indicators(ROOT / "data")
    assert suggestions(indicators, "研发经费投入强度")[0] == "rd_intensity"
    assert suggestions(indicators, "研发经费投入强度（%）")[0] == "rd_intensity"
    assert suggestions(indicators, "高新技术企业")[0] == "hitech_enterprises"
    assert suggestions(indicators, "今天天气晴朗") == []


def test_unknown_column_is_refused_with_did_you_mean(client):
    body = "地区,年份,研发经费投入强度\n宿迁市沭阳县,2024,2.1\n".encode()
    response = upload(client, body, "actuals.csv")
    assert response.status_code == 400
    messages = [p["message"] for p in response.get_json()["problems"]]
    assert any("您是不是要找：全社会研发投入占地区生产总值比重（rd_intensity）" in m
               for m in messages), messages


def test_unknown_indicator_cell_is_refused_with_did_you_mean(client):
    body = "地区,年份,指标,数值,单位\n宿迁市沭阳县,2024,研发经费投入强度,2.1,%\n".encode()
    response = upload(client, body, "long.csv")
    assert response.status_code == 400
    (problem,) = response.get_json()["problems"]
    assert problem["row"] == 2 and "（rd_intensity）" in problem["message"]
    assert problem["message"].startswith("未知指标“研发经费投入强度”。您是不是要找：")


def _template(client, fmt: str) -> bytes:
    response = client.get(f"/admin/import/template.{fmt}?region=321300&year=2024",
                          headers=BEARER)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def test_xlsx_template_round_trips(client):
    book = openpyxl.load_workbook(io.BytesIO(_template(client, "xlsx")))
    sheet = book["填报"]
    assert [c.value for c in sheet[1]] == ["地区", "年份", "指标", "数值", "单位"]
    every = {(r[0].value, r[2].value): r for r in sheet.iter_rows(min_row=2)}
    zones = {r[1] for r in book["园区等主体"].iter_rows(min_row=2, values_only=True)}
    assert "宿迁高新技术产业开发区" in zones  # the zones within the region come last
    rows = {k: r for k, r in every.items() if k[0] not in zones}
    assert {region for region, _ in rows} >= {"宿迁市", "宿迁市沭阳县", "宿迁市泗洪县"}
    assert all(region.startswith("宿迁市") for region, _ in rows)  # ?region=321300
    indicators = read_indicators(ROOT / "data")
    assert len(rows) == len({r for r, _ in rows}) * len(indicators.by_id)  # all, each once
    zone_row = every[("宿迁高新技术产业开发区", "高新技术企业数")]
    zone_row[3].value = 180
    shuyang = rows[("宿迁市沭阳县", "全社会研发投入占地区生产总值比重")]
    assert (shuyang[1].value, shuyang[3].value, shuyang[4].value) == ("2024", None, "%")
    # the indicator sheet lists ids, units and the names accepted
    listing = {row[0].value: row for row in book["指标说明"].iter_rows(min_row=2)}
    assert listing["rd_intensity"][2].value == "%"
    assert "研发投入强度" in listing["rd_intensity"][3].value
    shuyang[3].value = "2.15"
    rows[("宿迁市", "全社会研发投入占地区生产总值比重")][3].value = 2.6
    filled = io.BytesIO()
    book.save(filled)
    response = upload(client, filled.getvalue(), "模板.xlsx", commit=True)
    assert response.status_code == 201, response.get_json()
    version = response.get_json()["version"]["id"]
    data = pd.read_csv(io.StringIO(client.get(f"/data/metrics.csv?version={version}")
                                   .get_data(as_text=True)), dtype=str)
    got = data[(data["indicator_id"] == "rd_intensity") & (data["year"] == "2024")]
    assert dict(zip(got["region_adcode"], got["value"].astype(float))) == \
        {"321322": 2.15, "321300": 2.6}
    zone = data[data["indicator_id"] == "hitech_enterprises"]
    assert zone[["region_adcode", "entity_id", "value"]].values.tolist() == \
        [["321311", "sq-hitech", "180.0"]]


def test_csv_template_round_trips(client):
    frame = pd.read_csv(io.BytesIO(_template(client, "csv")), dtype=str, encoding="utf-8-sig",
                        keep_default_na=False)
    assert list(frame.columns) == ["地区", "年份", "指标", "数值", "单位"]
    at = (frame["地区"] == "宿迁市泗洪县") & (frame["指标"] == "高新技术企业数")
    assert frame.loc[at, "单位"].tolist() == ["家"]
    frame.loc[at, "数值"] = "123"
    response = upload(client, frame.to_csv(index=False).encode("utf-8-sig"), "模板.csv",
                      commit=True)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"]["row_count"] == 1


def test_bad_template_parameters_are_a_400_in_chinese(client):
    response = client.get("/admin/import/template.csv?year=20x4", headers=AUTH)
    assert response.status_code == 400 and "年份" in response.get_json()["description"]
    assert client.get("/admin/import/template.ods", headers=AUTH).status_code == 404


def test_preview_speaks_chinese_without_internal_ids(client):
    body = "地区,年份,研发投入强度(%)\n宿迁市沭阳县,2023,1.9\n".encode()
    page = upload(client, body, "预览.csv", headers=BEARER).get_data(as_text=True)
    table = page.split("前 ", 1)[1]
    headers = re.findall(r"<th>(.*?)</th>", table)
    assert headers == ["地区", "行政区划代码", "指标", "年份", "数值", "单位", "来源"]
    assert "宿迁市沭阳县" in table and "全社会研发投入占地区生产总值比重" in table
    assert "rd_intensity" not in table and "region_adcode" not in page


@pytest.mark.parametrize("stamp, shown", [
    ("2026-12-06T01:02:03+00:00", "2026年12月6日 09:02"),
    ("2026-12-31T16:30:00", "2027年1月1日 00:30"),  # no zone: UTC, as the store writes
    ("不是时间", "不是时间"),
])
def test_version_times_in_beijing_time(stamp, shown):
    assert local_time(stamp) == shown


def test_version_list_shows_local_time(client):
    page = client.get("/admin/", headers=BEARER).get_data(as_text=True)
    assert "时间（北京时间）" in page and "（UTC）" not in page
    assert re.search(r"<td>\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}</td>", page)


def test_preview_writes_figures_as_the_file_states_them(client):
    body = ("地区,年份,指标,数值,单位\n宿迁市,2024,高新技术企业数,900,家\n"
            "江苏省,2024,高新技术企业数,51000,家\n宿迁市,2024,全社会研发投入占地区生产总值比重,1.95,%\n"
            ).encode()
    page = upload(client, body, "数值.csv", headers=BEARER).get_data(as_text=True)
    cells = re.findall(r"<td>(.*?)</td>", page.split("前 ", 1)[1])
    assert "900" in cells and "51,000" in cells and "1.95" in cells
    assert not any(re.fullmatch(r"[\d,]+\.0", c) for c in cells)  # no “900.0”


def test_the_import_page_offers_the_template_as_a_form_not_as_query_syntax(client):
    page = client.get("/admin/", headers=BEARER).get_data(as_text=True)
    form = page.split('<form id="template"', 1)[1].split("</form>", 1)[0]
    assert 'action="/admin/import/template.xlsx"' in form
    assert 'formaction="/admin/import/template.csv"' in form
    assert 'name="region"' in form and 'name="year"' in form
    assert "?region=" not in page and "?year=" not in page
    # the form sent with both fields left empty: the whole template of last year
    empty = client.get("/admin/import/template.csv?region=&year=", headers=AUTH)
    assert empty.status_code == 200
    chosen = client.get("/admin/import/template.csv?region=321300&year=2024", headers=AUTH)
    lines = chosen.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert len(lines) > 1 and all(",2024," in line for line in lines[1:])
    assert len(lines) < len(empty.get_data(as_text=True).splitlines())


@pytest.mark.parametrize("prefix, shown", [(b"\xef\xbb\xbf", "UTF-8（带 BOM）"), (b"", "UTF-8")])
def test_preview_names_the_encoding_as_people_know_it(client, prefix, shown):
    body = prefix + "地区,年份,指标,数值,单位\n宿迁市,2024,高新技术企业数,900,家\n".encode()
    page = upload(client, body, "编码.csv", headers=BEARER).get_data(as_text=True)
    said = page.split("校验通过", 1)[1].split("</p>", 1)[0]
    assert f"编码 {shown}）" in said and "utf-8" not in said
