"""Monitoring surfaces end to end: an import changes /targets, the region page, the API and
the report alike, a rollback changes them back; CSV/XLSX/PDF hold what the page shows."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import time
from urllib.parse import urlencode

import openpyxl
import pytest
from conftest import ADMIN_TOKEN, ROOT

from geo.thematic import NO_DATA_COLOR
from mapcore.export import parse_export, render_export
from mapcore.progress import COLORS
from mapcore.spec import build_map
from monitor.tasks import split_units
from web import create_app, services
from web.export import export_state

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "application/json"}
SQ_TARGET = "sq-rd-intensity-2025-target"


@pytest.fixture()
def monitor_app(tmp_path):
    store = tmp_path / "store.gpkg"
    return create_app({"testing": True, "store_url": str(store),
                       "admin_tokens": f"tester:{ADMIN_TOKEN}"})


def csv_rows(client, query: str = "") -> list[dict]:
    response = client.get(f"/targets.csv{query}")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def api_target(client, target_id: str) -> dict:
    response = client.get(f"/api/collections/targets/items/{target_id}")
    assert response.status_code == 200
    return response.get_json()["properties"]


def sq_row(client) -> dict:
    rows = [r for r in csv_rows(client, "?region=321300&indicator=rd_intensity")
            if "2025年" in r["目标值"]]
    assert len(rows) == 1
    return rows[0]


def region_card(client, target_id: str) -> str:
    html = client.get("/regions/321300").data.decode()
    match = re.search(rf'<div class="im-card" data-id="{target_id}".*?</div>\s*</div>', html, re.S)
    assert match, target_id
    return match.group(0)


def run_cli(*args, store) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "web.cli", *args, "--store", str(store)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_cli_import_changes_table_region_page_and_api_then_rollback(monitor_app, tmp_path):
    client = monitor_app.test_client()
    before = sq_row(client)
    assert (before["状态"], before["完成率"]) == ("无实际值", "—")
    assert before["基期值"] == "1.83%（2020年）" and before["目标值"] == "2.2%（2025年）"
    data = tmp_path / "actuals.csv"
    data.write_text("地区,年份,研发投入强度(%)\n宿迁市,2023,2.0\n", encoding="utf-8")
    store = monitor_app.extensions["innomap"].settings.store_url
    result = run_cli("import", "metrics", str(data), "--user", "tests", store=store)
    assert result.returncode == 0, result.stderr
    # (2.0 − 1.83) / (2.2 − 1.83) = 45.9 %, 时序进度 (2023 − 2020) / 5 = 60 %: 滞后.
    row = _poll(lambda: sq_row(client), lambda r: r["状态"] != "无实际值")
    assert (row["完成率"], row["时序进度"], row["状态"]) == ("45.9%", "60%", "滞后")
    assert row["实际值"] == "2%（2023年）"
    props = api_target(client, SQ_TARGET)
    assert props["status"] == "滞后" and props["actual"] == 2.0 and props["actual_year"] == 2023
    assert props["completion"] == pytest.approx(0.17 / 0.37)
    card = region_card(client, SQ_TARGET)
    assert "完成率 45.9%" in card and "滞后" in card
    assert progress_on_maps(monitor_app) == ("滞后（完成率 45.9%）", COLORS["滞后"])
    version = max(int(v) for v in re.findall(r'"id": (\d+)', run_cli("versions",
                                                                        store=store).stdout))
    assert run_cli("rollback", str(version), "--user", "tests", store=store).returncode == 0
    row = _poll(lambda: sq_row(client), lambda r: r["状态"] == "无实际值")
    assert row["完成率"] == "—" and api_target(client, SQ_TARGET)["status"] == "无实际值"
    assert "无实际值" in region_card(client, SQ_TARGET)
    assert progress_on_maps(monitor_app) == ("无实际值", NO_DATA_COLOR)


PROGRESS_MAP = {"indicator": "rd_intensity", "kind": "progress", "level": "city"}


def progress_on_maps(app) -> tuple[str, str]:
    """宿迁's progress as the province map page and its export show it: (text, fill)."""
    resources = services(app).maps
    spec = build_map(resources, "320000", PROGRESS_MAP)
    unit = spec.units.set_index("adcode").loc["321300"]
    page = app.test_client().get("/maps/320000?" + urlencode(PROGRESS_MAP))
    assert f"宿迁市：{unit['shown']}" in page.get_data(as_text=True)
    rendered = render_export(resources, parse_export("320000", "png", {"dpi": "72",
                                                                       **PROGRESS_MAP}),
                             export_state(app).font)
    assert rendered.contents["units"]["321300"] == unit["color"]
    assert {"已达成", "进展正常", "滞后", "无数据"} <= set(rendered.legend_labels)
    return unit["shown"], unit["color"]


def _poll(read, done, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_web_import_reaches_the_target_at_once(monitor_app):
    client = monitor_app.test_client()
    body = "地区,年份,研发投入强度(%)\n宿迁市,2024,2.3\n宿州市,2023,0.9\n".encode()
    response = client.post("/admin/import", headers=AUTH, data={
        "file": (io.BytesIO(body), "a.csv"), "kind": "metrics", "commit": "1"})
    assert response.status_code in (200, 201), response.data[:300]
    row = sq_row(client)
    assert (row["状态"], row["完成率"], row["时序进度"]) == ("已达成", "127%", "80%")
    assert api_target(client, SQ_TARGET)["status"] == "已达成"
    assert "已达成" in region_card(client, SQ_TARGET)
    # The report shows the same figures: 宿州 (0.9 − 0.64) / (1 − 0.64) = 72.2 % vs 60 %.
    sz = [r for r in csv_rows(client, "?region=341300&indicator=rd_intensity")]
    assert {(r["完成率"], r["状态"]) for r in sz} == {("72.2%", "进展正常")}
    if shutil.which("pdftotext"):
        pdf = client.get("/regions/341300/report.pdf").data
        text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True,
                              check=True).stdout.decode()
        columns = ("基期值", "目标值", "实际值", "完成率", "时序进度", "状态")
        assert re.sub(r"\s+", "", "".join(sz[0][c] for c in columns)) in re.sub(r"\s+", "", text)


def test_restated_target_is_one_row_with_both_citations(client):
    rows = [r for r in csv_rows(client, "?region=320700&indicator=rd_intensity")
            if "2025年" in r["目标值"]]
    assert len(rows) == 1
    assert rows[0]["出处"].count("《连云港市“十四五”科技创新规划》") == 2
    assert "力争到2025年" in rows[0]["原文"] or rows[0]["原文"].count("“") == 2


def test_filters_sort_and_downloads_match_the_page(client):
    page = client.get("/targets?region=341300&sort=-completion").data.decode()
    shown = int(re.search(r'id="im-count">(\d+)<', page).group(1))
    rows = csv_rows(client, "?region=341300&sort=-completion")
    assert len(rows) == shown and {r["地区"].split(" · ")[0] for r in rows} == {"宿州市"}
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        "/targets.xlsx?region=341300&sort=-completion").data))
    sheet = list(book.active.iter_rows(values_only=True))
    head = list(sheet[0])
    # The same rows in the same order as the page and the CSV, the page's text columns as
    # they are, and every figure also as a number (a percentage a fraction, formatted %).
    assert len(sheet) == len(rows) + 1
    for key in ("地区", "规划", "指标", "状态", "出处", "原文", "实际值来源"):
        assert [r[head.index(key)] or "" for r in sheet[1:]] == [r[key] for r in rows], key
    for key in ("基期值", "目标值", "目标年份", "完成率", "时序进度"):
        assert all(v is None or isinstance(v, (int, float)) for v in
                   (r[head.index(key)] for r in sheet[1:])), key
    targets = [r[head.index("目标值")] for r in sheet[1:]]
    assert all(isinstance(v, (int, float)) for v in targets)
    for text, number in zip((r["目标值"] for r in rows), targets):
        assert f"{number:,g}" in text or f"{number:g}" in text, (text, number)
    column = head.index("完成率") + 1
    assert book.active.cell(row=2, column=column).number_format == "0.0%"
    assert book.active.freeze_panes == "A2" and book.active.auto_filter.ref


@pytest.mark.parametrize("query, reason", [
    ("?status=完成", "未知的状态"), ("?region=999999", "未知的地区代码"),
    ("?sort=colour", "无法按"), ("?indicator=nope", "未知的指标")])
def test_bad_query_is_a_400_in_chinese(client, query, reason):
    for path in ("/targets", "/targets.csv"):
        response = client.get(path + query, headers={"Accept": "application/json"})
        assert response.status_code == 400 and reason in response.get_json()["description"]


def test_comparison_puts_every_region_with_the_indicator_on_one_axis(client):
    html = client.get("/targets?indicator=rd_intensity").data.decode()
    specs = re.findall(r'id="im-compare-\d+-spec">(.*?)</script>', html, re.S)
    assert len(specs) == 1
    spec = json.loads(specs[0])
    assert spec["categories"] == ["江苏省", "连云港市", "宿迁市", "宿州市"]
    assert spec["series"][1]["data"] == [3.2, 2.5, 2.2, 1.0]
    assert spec["series"][0]["data"] == [2.85, 2.24, 1.83, 0.64]
    assert spec["reference"]["value"] == 3.2


def test_comparison_splits_axes_when_units_differ():
    import pandas as pd

    from monitor.compare import comparison

    rows = pd.DataFrame([
        {"indicator_id": "x", "subject": "", "entity_id": "", "region_adcode": a,
         "region_rank": (i, a), "year": 2025, "source": "table", "unit": u, "value": 1.0,
         "value_max": float("nan"), "qualifier": "", "indicator_name": "X", "region_name": a,
         "baseline_row": None, "actual": float("nan"), "actual_year": pd.NA, "status": "无实际值",
         "plan_title": "p", "measure": m}
        for i, (a, u, m) in enumerate([("320000", "%", "stock"), ("320700", "%", "stock"),
                                       ("321300", "亿元", "stock"), ("341300", "%", "increment")])])
    indicators = pd.DataFrame({"id": ["x"], "name": ["X"]}).set_index("id", drop=False)
    specs = comparison(rows, "x", indicators)
    assert sorted(s["categories"] for s in specs) == [["320000", "320700"], ["321300"], ["341300"]]


def test_units_split_outside_brackets():
    assert split_units("各县（区）、市各功能区，市统计局") == ["各县（区）", "市各功能区", "市统计局"]
    assert split_units("市科技局|市财政局, 市税务局") == ["市科技局", "市财政局", "市税务局"]
    assert split_units("市委组织部（市人才办、市科技局）") == ["市委组织部（市人才办、市科技局）"]
    assert split_units("") == []


TASKS = "/plans/002_29b2058011f3f7c1/tasks"


def test_task_plan_filters_by_lead_and_links_targets(client):
    html = client.get(f"{TASKS}?lead=市科技局").data.decode()
    shown = re.findall(r'<tr id="task-\d+" data-lead="([^"]*)"', html)
    assert shown and all("市科技局" in lead.split("|") for lead in shown)
    full = client.get(TASKS).data.decode()
    assert len(re.findall(r'<tr id="task-\d+"', full)) == 98
    assert "<h1>宿迁市2023年度国家创新型城市建设重点任务推进计划</h1>" in full
    for header in ("事项", "重点工作", "目标任务", "一季度", "四季度", "牵头单位", "配合单位"):
        assert f"<th>{header}</th>" in full or f'<th class="im-q">{header}</th>' in full
    assert "/targets?indicator=rd_intensity&amp;region=321300" in full
    served = client.get(f"{TASKS}?target=sq2023-rd-intensity-2023-target").data.decode()
    assert len(re.findall(r'<tr id="task-\d+"', served)) >= 1
    assert client.get(f"{TASKS}?lead=火星局").status_code == 400
    back = client.get("/targets?region=321300&plan=002_29b2058011f3f7c1").data.decode()
    assert f'href="{TASKS}?target=sq2023-rd-intensity-2023-target"' in back


def test_the_former_task_address_redirects_to_the_plan(client):
    moved = client.get("/tasks/2023?lead=市科技局")
    assert moved.status_code == 308
    assert moved.headers["Location"].endswith(f"{TASKS}?lead=%E5%B8%82%E7%A7%91%E6%8A%80%E5%B1%80")
    assert client.get("/tasks/2031").status_code == 404
    assert client.get("/plans/004_5c3bcb5129e3b430/tasks").status_code == 404  # no task table
    assert client.get("/plans/nope/tasks").status_code == 404


def test_region_pages_and_index_links(client):
    index = client.get("/").data.decode()
    for path in ("/targets", TASKS, "/regions/320000", "/regions/320700",
                 "/regions/321300", "/regions/341300"):
        assert f'href="{path}"' in index
    page = client.get("/regions/321300").data.decode()
    assert "专栏1" in page or "主要目标" in page  # chapters of the plan itself
    assert 'src="/maps/321300"' in page and TASKS in page
    assert "近似位置" in page or "县区代表点" in page
    assert client.get("/regions/12").status_code == 404
    assert client.get("/regions/999999").status_code == 404


def test_a_region_without_a_plan_has_a_page_with_its_map(client):
    page = client.get("/regions/320300")
    assert page.status_code == 200
    html = page.data.decode()
    assert "徐州市" in html and 'src="/maps/320300"' in html


def test_echarts_is_served_from_the_installed_package(client):
    with client.get("/vendor/echarts/5.6.0/echarts.min.js") as response:
        assert response.status_code == 200 and b"echarts" in response.data[:2000]
    assert client.get("/vendor/echarts/4.0.0/echarts.min.js").status_code == 404


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_report_pdf_embeds_cjk_fonts_and_its_table_equals_the_csv(client, tmp_path):
    response = client.get("/regions/341300/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(re.search(r"\byes\b", line) for line in cjk)  # embedded
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True,
                          text=True).stdout
    flat = re.sub(r"\s+", "", text)
    # The table is drawn row by row, cell by cell: each CSV row's cells appear in order.
    columns = ("基期值", "目标值", "实际值", "完成率", "时序进度", "状态")
    rows = csv_rows(client, "?region=341300")
    assert rows and f"共{len(rows)}项）" in flat  # the table's page headings count the rows
    for row in rows:
        cells = re.sub(r"\s+", "", "".join(row[c] for c in columns))
        assert cells in flat, row
    xlsx = openpyxl.load_workbook(io.BytesIO(client.get("/regions/341300/report.xlsx").data))
    sheet = list(xlsx["目标完成情况"].iter_rows(values_only=True))
    indicator = sheet[0].index("指标")
    assert sorted(r[indicator] for r in sheet[1:]) == sorted(r["指标"] for r in rows)


@pytest.mark.live
def test_every_worker_follows_an_import_and_a_rollback(tmp_path):
    """Two gunicorn workers: after a CLI import each one's table, API and region page show
    the new status (polling, at most about a second later); after a rollback the old one."""
    import os
    import signal
    import urllib.request
    from pathlib import Path

    from conftest import _wait, free_port

    store = tmp_path / "store.gpkg"
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen([str(gunicorn), "--preload", "--workers", "2", "--bind",
                             f"127.0.0.1:{port}", "web:create_app()"], cwd=ROOT,
                            env={**os.environ, "INNOMAP_STORE_URL": str(store)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def views() -> set[tuple[str, ...]]:
        seen = set()
        for _ in range(6):  # fresh connections, spread over both workers
            with urllib.request.urlopen(f"{url}/api/collections/targets/items/{SQ_TARGET}",
                                        timeout=10) as response:
                api = json.load(response)["properties"]["status"]
            with urllib.request.urlopen(f"{url}/targets.csv?region=321300&indicator=rd_intensity"
                                        "&plan=000_ad48b25927ecef2e", timeout=10) as response:
                table = list(csv.DictReader(io.StringIO(response.read().decode("utf-8-sig"))))
            seen.add((api, table[0]["状态"], table[0]["完成率"]))
        return seen

    try:
        _wait(url, proc)
        assert views() == {("无实际值", "无实际值", "—")}
        data = tmp_path / "a.csv"
        data.write_text("地区,年份,研发投入强度(%)\n宿迁市,2023,2.0\n", encoding="utf-8")
        assert run_cli("import", "metrics", str(data), "--user", "t", store=store).returncode == 0
        _poll(views, lambda seen: seen == {("滞后", "滞后", "45.9%")}, seconds=5)
        assert views() == {("滞后", "滞后", "45.9%")}
        assert run_cli("rollback", "1", "--user", "t", store=store).returncode == 0
        _poll(views, lambda seen: seen == {("无实际值", "无实际值", "—")}, seconds=5)
        assert views() == {("无实际值", "无实际值", "—")}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_a_county_with_imported_actuals_has_a_region_page(client):
    page = client.get("/regions/321322")  # the session store holds 沭阳县 actuals
    assert page.status_code == 200 and "导入的实际值" in page.data.decode()


def test_required_growth_in_points_for_shares_and_rates_for_counts():
    from monitor.table import required_growth

    share = {"year": 2025, "value": 2.2, "unit": "%",
             "baseline_row": {"year": 2020, "value": 1.7}}
    assert required_growth(share) == "年均提高0.1个百分点"
    count = {"year": 2025, "value": 200.0, "unit": "家",
             "baseline_row": {"year": 2020, "value": 100.0}}
    assert required_growth(count) == "年均增长14.9%"  # 2 ** (1/5) − 1
    assert required_growth({**count, "baseline_row": None}) == "—"
    assert required_growth({**count, "unit": "位"}) == "—"


def test_indicator_groups_by_specific_words_first():
    from monitor.table import indicator_group

    assert indicator_group("全社会研发投入占地区生产总值比重") == "研发投入"
    assert indicator_group("一流企业研发机构数") == "平台载体"
    assert indicator_group("高新技术企业数") == "企业主体"
    assert indicator_group("每万从业人员中研发人员数") == "人才"
    assert indicator_group("某个新指标") == "其他"


def test_catalog_refresh_of_imported_metrics_reloads_targets(tmp_path):
    import pandas as pd

    from store import open_store
    from web import services

    store = tmp_path / "s.gpkg"
    app = create_app({"testing": True, "store_url": str(store)})
    catalog = services(app).catalog
    before = catalog.frame("targets")
    open_store(store).add_import("metrics", pd.DataFrame({
        "region_adcode": ["341300"], "indicator_id": ["rd_intensity"], "year": [2023],
        "value": [0.9], "unit": ["%"], "source": ["t"]}), user="t", filename="t.csv", sha256="0")
    catalog.refresh("imported-metrics")
    after = catalog.frame("targets")
    assert after is not before
    row = after.set_index("id").loc["sz-rd-intensity-2025-target"]
    # (0.9 − 0.64) / (1 − 0.64) = 72.2 % ≥ 60 %; 0.9 is short of 1%左右 (0.95).
    assert row["status"] == "进展正常" and row["completion"] == pytest.approx(0.26 / 0.36)
    assert before.set_index("id").loc["sz-rd-intensity-2025-target", "status"] == "无实际值"


WIRE_LIMIT = 450 * 1024
GZIP = {"Accept-Encoding": "gzip, deflate"}


def _assets(html: str) -> list[str]:
    """Same-origin scripts and stylesheets a page loads at once (not lazy frames)."""
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/[^"]+\.(?:js|css))"', html)


def _gzipped(client, path: str) -> bytes:
    from web.cache import GZIP_MIN_BYTES

    """The bytes a gzip-accepting browser receives for ``path`` (the pages and the vendor
    bundles compressed)."""
    with client.get(path, headers=GZIP) as answer:
        assert answer.status_code == 200, path
        if not path.startswith("/static/") and len(answer.data) >= GZIP_MIN_BYTES:
            assert answer.headers.get("Content-Encoding") == "gzip", path
        return answer.data


def test_region_page_on_the_wire_is_within_its_budget_gzipped(client):
    """The whole page as a reader scrolling to its end gets it: the HTML, its scripts and
    styles, and the map frame it loads lazily with the frame's own scripts and styles."""
    import gzip

    page = client.get("/regions/321300", headers=GZIP)
    assert page.headers.get("Content-Encoding") == "gzip"
    html = gzip.decompress(page.data).decode()
    frames = re.findall(r'<iframe src="(/[^"]+)"', html)
    assert frames == ["/maps/321300"]
    documents = [(page.data, html)]
    for frame in frames:
        body = _gzipped(client, frame)
        documents.append((body, gzip.decompress(body).decode()))
    assets = {path for _, text in documents for path in _assets(text)}
    assert any("echarts" in a for a in assets)
    total = sum(len(body) for body, _ in documents)
    total += sum(len(_gzipped(client, path)) for path in sorted(assets))
    assert total <= WIRE_LIMIT, total
    plain = client.get("/regions/321300")  # a client without gzip gets the page as is
    assert "Content-Encoding" not in plain.headers and plain.data.decode() == html


def test_targets_and_region_pages_are_kept_per_data_generation(app, client, replace_frame):
    cache = app.wsgi_app
    for path in ("/targets", "/regions/321300"):
        client.get(path)
        hits = cache.hits
        client.get(path)
        assert cache.hits == hits + 1, path
    frame = services(app).catalog.frame("targets")
    replace_frame("targets", frame.iloc[:-1])  # new data: a new generation
    misses = cache.misses
    client.get("/targets")
    assert cache.misses == misses + 1
