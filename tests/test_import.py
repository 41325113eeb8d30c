"""Importing metrics and carriers: good files land as versions, bad files change nothing."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from conftest import ADMIN_TOKEN, ROOT

from geo.datum import wgs84_to_gcj02
from sheets import escape_formula, safe_csv
from store import open_store
from web import services

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "application/json"}
HEADER = "地区,年份,研发投入强度(%)\n"


def store_path(app) -> Path:
    return Path(services(app).settings.store_url)


def store_digest(app) -> str:
    """Hash of the store's bytes on disk: the database file and its write-ahead log."""
    digest = hashlib.sha256()
    for suffix in ("", "-wal"):
        path = Path(f"{store_path(app)}{suffix}")
        digest.update(path.read_bytes() if path.exists() else b"<none>")
    return digest.hexdigest()


def upload(client, data: bytes, name="data.csv", commit=False, **form):
    fields = {"file": (io.BytesIO(data), name), "kind": "metrics", **form}
    if commit:
        fields["commit"] = "1"
    return client.post("/admin/import", data=fields, headers=AUTH)


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bomb(megabytes: int = 150) -> bytes:
    """An .xlsx-looking ZIP whose one sheet inflates to ``megabytes`` of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"0" * (1 << 20)
            for _ in range(megabytes):
                sheet.write(block)
    return out.getvalue()


BAD_FILES = {
    "utf16": ((HEADER + "沭阳县,2023,1.8\n").encode("utf-16"), {}, 400, "UTF-16"),
    "undecodable": (b"region,year,rd_intensity\n\x80\xff\xfe,2023,1\n", {}, 400, "无法识别文件编码"),
    "missing region column": ("年份,研发投入强度(%)\n2023,1.8\n".encode(), {}, 400, "缺少地区列"),
    "missing year column": ("地区,研发投入强度(%)\n沭阳县,1.8\n".encode(), {}, 400, "缺少年份列"),
    "duplicate county": ((HEADER + "沭阳县,2023,1.8\n321322,2023,1.9\n").encode(), {}, 400,
                         "重复：与第 2 行"),
    "unknown region": ((HEADER + "火星县,2023,1.8\n").encode(), {}, 400, "未知地区“火星县”"),
    "ambiguous region": ((HEADER + "鼓楼区,2023,1.8\n").encode(), {}, 400,
                         "南京市鼓楼区（320106）、徐州市鼓楼区（320302）"),
    "non-numeric": ((HEADER + "沭阳县,2023,约两个百分点\n").encode(), {}, 400, "不是数值"),
    "unit clash": ("地区,年份,研发投入强度(亿元)\n沭阳县,2023,1.8\n".encode(), {}, 400,
                   "与指标 rd_intensity 的单位“%”不一致"),
    "year out of range": ((HEADER + "沭阳县,2230,1.8\n").encode(), {}, 400, "超出范围"),
    "unknown indicator": ("地区,年份,幸福指数\n沭阳县,2023,1.8\n".encode(), {}, 400,
                          "未知指标列“幸福指数”"),
    "mapping onto an existing column": ("地区,年份,研发投入强度(%),x\n沭阳县,2023,1.8,2\n".encode(),
                                        {"mapping": "x=年份"}, 400, "多个“年份”列"),
    "mapping of a missing column": ((HEADER + "沭阳县,2023,1.8\n").encode(),
                                    {"mapping": "没有这列="}, 400, "不在文件中"),
    "empty file": (b"", {}, 400, "文件为空"),
    "header only": (HEADER.encode(), {}, 400, "没有数据行"),
    "oversized": (HEADER.encode() + b"\xe6\xb2\xad\xe9\x98\xb3,2023,1.8\n" * 20_000, {}, 413,
                  "文件过大"),
    "zip bomb": (zip_bomb, {}, 400, "疑似压缩炸弹"),
    "formula cell": (xlsx([["地区", "年份", "rd_intensity"], ["沭阳县", 2023, "=1+1"]]), {},
                     400, "公式单元格"),
    "legacy xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, {}, 400, "旧版 .xls"),
    "script in region": ((HEADER + "<script>alert(1)</script>,2023,1.8\n").encode(), {}, 400,
                         "HTML/脚本标记"),
    "script in carrier name": ("名称,类型,经度,纬度\n<img src=x onerror=alert(1)>,enterprise,"
                               "118.77,34.12\n".encode(), {"kind": "carriers", "datum": "WGS84"},
                               400, "HTML/脚本标记"),
    "formula-like carrier name": ("名称,类型,经度,纬度\n=HYPERLINK(\"http://x\"),enterprise,"
                                  "118.77,34.12\n".encode(), {"kind": "carriers", "datum": "WGS84"},
                                  400, "疑似表格公式"),
    "coordinates without datum": ("名称,类型,经度,纬度\n某公司,enterprise,118.77,34.12\n".encode(),
                                  {"kind": "carriers"}, 400, "没有说明坐标系"),
    "huge value": ((HEADER + "沭阳县,2023,1e308\n").encode(), {}, 400, "超出单位“%”允许的范围"),
    "huge negative value": ((HEADER + "沭阳县,2023,-1e308\n").encode(), {}, 400, "允许的范围"),
    "overflowing value": ((HEADER + "沭阳县,2023,1e999\n").encode(), {}, 400, "允许的范围"),
    "underflowing value": ((HEADER + "沭阳县,2023,1e-400\n").encode(), {}, 400, "过于接近 0"),
    "subnormal value": ((HEADER + "沭阳县,2023,-3e-320\n").encode(), {}, 400, "过于接近 0"),
    "digit separator": ((HEADER + "沭阳县,2023,1_5\n").encode(), {}, 400, "含下划线"),
    "bad grouping": ((HEADER + "沭阳县,2023,\"1,5\"\n").encode(), {}, 400, "不是数值"),
    "full-width digits": ((HEADER + "沭阳县,2023,１.５\n").encode(), {}, 400, "非拉丁数字"),
    "full-width year": ((HEADER + "沭阳县,２０２３,1.5\n").encode(), {}, 400, "非拉丁数字"),
    "arabic-indic year": ((HEADER + "沭阳县,٢٠٢٣,1.5\n").encode(), {}, 400, "非拉丁数字"),
    "zero-width carrier name": ("名称,类型,经度,纬度\n\u200b\u200b,enterprise,118.77,34.12\n"
                                .encode(), {"kind": "carriers", "datum": "WGS84"}, 400,
                                "不可见字符 U+200B"),
    "bidi override in name": ("名称,类型,经度,纬度\n某\u202e公司,enterprise,118.77,34.12\n"
                              .encode(), {"kind": "carriers", "datum": "WGS84"}, 400,
                              "不可见字符 U+202E"),
    "line separator in name": ("名称,类型,经度,纬度\n某\u2028公司,enterprise,118.77,34.12\n"
                               .encode(), {"kind": "carriers", "datum": "WGS84"}, 400,
                               "不可见字符 U+2028"),
    "paragraph separator in region": ((HEADER + "沭阳\u2029县,2023,1.8\n").encode(), {}, 400,
                                      "不可见字符 U+2029"),
    "full-width longitude": ("名称,类型,经度,纬度\n某公司,enterprise,１１８.77,34.12\n".encode(),
                             {"kind": "carriers", "datum": "WGS84"}, 400, "非拉丁数字"),
    "coordinates outside coverage": ("名称,类型,经度,纬度\n某公司,enterprise,116.40,39.90\n".encode(),
                                     {"kind": "carriers", "datum": "GCJ-02"}, 400,
                                     "不在已覆盖的县区内"),
}


@pytest.fixture(scope="module")
def seeded(admin_app):
    """The admin app's store with one accepted import, so 'unchanged' means something."""
    client = admin_app.test_client()
    if open_store(store_path(admin_app)).latest_version_id() == 0:
        body = (HEADER + "泗洪县,2020,1.1\n").encode()
        assert upload(client, body, commit=True).status_code == 201
    return admin_app


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_rejected_with_report_and_store_unchanged(seeded, case):
    data, form, status, message = BAD_FILES[case]
    data = data() if callable(data) else data
    client = seeded.test_client()
    before = store_digest(seeded)
    response = upload(client, data, name="bad.xlsx" if data.startswith(b"PK") else "bad.csv",
                      **form)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert any(message in p["message"] for p in body["problems"]), body["problems"]
    assert store_digest(seeded) == before


def test_rejection_page_lists_problems_and_escapes_markup(seeded):
    client = seeded.test_client()
    data = (HEADER + "<script>alert(1)</script>,2023,1.8\n火星县,2023,x\n").encode()
    response = client.post("/admin/import", headers={"Authorization": AUTH["Authorization"]},
                           data={"file": (io.BytesIO(data), "bad.csv"), "kind": "metrics"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "未知地区“火星县”" in page and "“x”不是数值" in page


def test_metrics_preview_confirm_and_api(seeded):
    client = seeded.test_client()
    body = (HEADER + "江苏省宿迁市沭阳县,2021,1.6\n宿城,2021,2.0\n321324,2021,1.2\n").encode("gbk")
    preview = upload(client, body, name="县区统计.csv")
    assert preview.status_code == 200
    report = {r["text"]: (r["status"], r["adcode"]) for r in preview.get_json()["report"]}
    assert report == {"江苏省宿迁市沭阳县": ("matched", "321322"), "宿城": ("matched", "321302"),
                      "321324": ("matched", "321324")}
    before = open_store(store_path(seeded)).latest_version_id()
    confirmed = client.post(preview.get_json()["confirm"], headers=AUTH)
    assert confirmed.status_code == 201
    version = confirmed.get_json()["version"]
    assert (version["id"], version["user"], version["row_count"], version["filename"]) == \
        (before + 1, "tester", 3, "县区统计.csv")
    items = client.get("/api/collections/imported-metrics/items?f=json&limit=1000").get_json()
    found = {(f["properties"]["region_adcode"], f["properties"]["year"]): f
             for f in items["features"]}
    shuyang = found[("321322", 2021)]
    assert shuyang["properties"]["value"] == 1.6
    assert shuyang["properties"]["version"] == version["id"]
    assert shuyang["properties"]["source"] == "县区统计.csv 第 2 行"
    assert shuyang["geometry"]["type"] in ("Polygon", "MultiPolygon")
    again = client.post(preview.get_json()["confirm"], headers=AUTH)
    assert again.status_code == 404  # a staged upload is used once


def test_xlsx_long_format_and_bom(seeded):
    client = seeded.test_client()
    data = xlsx([["region", "year", "indicator", "value", "unit"],
                 ["泗阳县", 2022, "研发投入强度", 1.25, "%"]])
    assert upload(client, data, name="long.xlsx", commit=True).status_code == 201
    bom = "\ufeff地区,rd_intensity\n泗阳,1.5\n".encode()
    assert upload(client, bom, name="bom.csv", commit=True, year="2019").status_code == 201
    rows = open_store(store_path(seeded)).rows("metrics")
    got = {(r.region_adcode, r.year): r.value for r in rows.itertuples()}
    assert got[("321323", 2022)] == 1.25 and got[("321323", 2019)] == 1.5


def test_carriers_datum_converted_and_joined_to_county(seeded):
    client = seeded.test_client()
    data = ("名称,类型,地址,经度,纬度,坐标系\n"
            "沭阳创新研究院,platform,,118.7724,34.1270,GCJ-02\n"
            "泗洪某科技公司,enterprise,宿迁市泗洪县青阳镇,,,\n").encode()
    response = upload(client, data, name="载体.csv", commit=True, kind="carriers")
    assert response.status_code == 201, response.get_json()
    rows = open_store(store_path(seeded)).rows("carriers").set_index("name")
    site = rows.loc["沭阳创新研究院"]
    glon, glat = wgs84_to_gcj02(site["lon"], site["lat"])
    assert np.allclose([glon, glat], [118.7724, 34.1270], atol=1e-6)
    assert abs(site["lon"] - 118.7724) > 0.002  # the GCJ-02 offset was removed
    assert (site["county_adcode"], site["precision"], site["datum"]) == ("321322", "site", "GCJ-02")
    by_address = rows.loc["泗洪某科技公司"]
    assert (by_address["county_adcode"], by_address["precision"]) == ("321324", "county_centroid")
    items = client.get("/api/collections/imported-carriers/items?f=json").get_json()
    assert {f["properties"]["name"] for f in items["features"]} >= {"沭阳创新研究院", "泗洪某科技公司"}


def test_rollback_restores_previous_value_everywhere(seeded):
    client = seeded.test_client()
    first = upload(client, (HEADER + "宿豫区,2018,0.9\n").encode(), commit=True).get_json()
    second = upload(client, (HEADER + "宿豫区,2018,5.5\n").encode(), commit=True).get_json()

    def api_value():
        items = client.get("/api/collections/imported-metrics/items?f=json&limit=1000"
                           "&region_adcode=321311").get_json()["features"]
        return {f["properties"]["year"]: f["properties"]["value"] for f in items}[2018]

    assert api_value() == 5.5
    second_id = second["version"]["id"]
    undo = client.post(f"/admin/versions/{second_id}/rollback", headers=AUTH)
    assert undo.status_code == 201 and undo.get_json()["version"]["target"] == second_id
    assert api_value() == 0.9
    again = client.post(f"/admin/versions/{second['version']['id']}/rollback", headers=AUTH)
    assert again.status_code == 409
    assert client.post("/admin/versions/99999/rollback", headers=AUTH).status_code == 404
    old = client.get(f"/data/metrics.csv?version={second['version']['id']}").get_data(as_text=True)
    assert "321311-rd_intensity-2018,321311,宿豫区,county,rd_intensity,2018,5.5" in old
    assert first["version"]["id"] < second["version"]["id"]


def test_imported_metric_on_the_map_page(seeded):
    client = seeded.test_client()
    upload(client, (HEADER + "沭阳县,2024,2.75\n").encode(), commit=True)
    page = client.get("/maps/321300?indicator=imported.rd_intensity&kind=baseline&year=2024")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:300]
    assert "导入数据" in html and "2.75" in html


def test_imported_metric_in_the_static_export(seeded):
    client = seeded.test_client()
    upload(client, (HEADER + "沭阳县,2031,2.75\n泗阳县,2031,1.25\n").encode(), commit=True)
    svg = client.get("/export/321300.svg?indicator=imported.rd_intensity&kind=baseline"
                     "&year=2031")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    text = svg.get_data(as_text=True)
    assert "（导入数据）" in text and "2031" in text
    upload(client, (HEADER + "沭阳县,2031,9.5\n泗阳县,2031,0.5\n").encode(), commit=True)
    again = client.get("/export/321300.svg?indicator=imported.rd_intensity&kind=baseline"
                       "&year=2031").get_data(as_text=True)
    assert again != text and "9.5" in again  # the new import, not a cached image


def test_csv_download_is_safe_against_formula_injection(seeded):
    client = seeded.test_client()
    data = "名称,类型,经度,纬度\n-2+3+cmd|' /C calc'!A0,enterprise,118.60,33.95\n".encode()
    assert upload(client, data, commit=True, kind="carriers", datum="WGS84").status_code == 201
    text = client.get("/data/carriers.csv").get_data(as_text=True)
    assert ",'-2+3+cmd|' /C calc'!A0,enterprise," in text
    assert ",-2+3+cmd" not in text


@pytest.mark.parametrize("cell, safe", [("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-1", "'-1"),
                                        ("@x", "'@x"), ("\tx", "'\tx"), ("沭阳", "沭阳"), (-1.5, -1.5)])
def test_escape_formula(cell, safe):
    assert escape_formula(cell) == safe


def test_safe_csv_keeps_numbers_numeric():
    import pandas as pd

    text = safe_csv(pd.DataFrame({"name": ["=1+1"], "value": [-2.5]}))
    assert text == "\ufeffname,value\r\n'=1+1,-2.5\r\n"


def test_cli_import_and_rollback(tmp_path, capsys, monkeypatch):
    from web import cli

    path = tmp_path / "m.csv"
    path.write_text(HEADER + "灌南县,2023,2.2\n", encoding="utf-8")
    store = tmp_path / "cli.gpkg"
    assert cli.main(["import", "metrics", str(path), "--store", str(store), "--user", "li"]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "鼓楼区,2023,2.2\n", encoding="utf-8")
    before = store.read_bytes()
    assert cli.main(["import", "metrics", str(bad), "--store", str(store)]) == 2
    assert "有歧义" in capsys.readouterr().err
    assert store.read_bytes() == before
    assert cli.main(["rollback", "1", "--store", str(store), "--user", "li"]) == 0
    versions = open_store(store).versions()
    assert [(v.action, v.user) for v in versions] == [("rollback", "li"), ("import", "li")]


@pytest.mark.parametrize("encoding, name", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                            ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_encoding_detected(encoding, name):
    from ingest.tabular import read_table

    table = read_table("地区,年份\n江苏省宿迁市沭阳县,2023\n".encode(encoding))
    assert table.encoding == name
    assert table.frame.to_dict("records") == [{"地区": "江苏省宿迁市沭阳县", "年份": "2023"}]


def test_garbage_is_rejected_never_a_crash(seeded):
    import random

    from ingest.imports import ImportOptions, ImportRejected, prepare_import
    from web.admin import import_context

    rng = random.Random(7)
    alphabet = "地区年份沭阳县鼓楼,;\t\n\"'=<>%0123456789.-"
    samples = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))) for _ in range(30)]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 200))).encode()
                for _ in range(60)]
    samples += [b"PK\x03\x04" + s for s in samples[:10]]
    with seeded.app_context():
        ctx = import_context()
        for data in samples:
            for kind in ("metrics", "carriers"):
                try:
                    prepare_import(data, "fuzz.csv", ImportOptions(kind=kind, datum="WGS84"), ctx)
                except ImportRejected as exc:
                    assert exc.problems and all(p.message for p in exc.problems)


def test_geo_imports_neither_web_nor_store_nor_ingest():
    """``geo/`` holds pure geospatial functions: upload validation lives in ``ingest/``."""
    import ast

    forbidden = {"web", "store", "ingest", "flask"}
    found = []
    for path in sorted((ROOT / "geo").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in forbidden]
    assert found == []


@pytest.mark.parametrize("year", ["２０２３", "٢٠٢٣", "2023 "])
def test_the_year_of_the_form_is_four_ascii_digits(seeded, year):
    data = "地区,研发投入强度(%)\n沭阳县,1.8\n".encode()
    response = upload(seeded.test_client(), data, year=year)
    assert response.status_code == (200 if year.strip().isascii() else 400)
