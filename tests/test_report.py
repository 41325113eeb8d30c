"""The evaluation report a city can submit: one plan's targets, cover, summary, a clean
numbered citation list (PDF, DOCX, XLSX); DOCX opens and converts with LibreOffice."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess

import openpyxl
import pytest
from docx import Document

from monitor.summary import wrap_cjk

REGION = "321300"
FIVE_YEAR_PLAN = "000_ad48b25927ecef2e"
ANNUAL_PLAN = "002_29b2058011f3f7c1"


def _count(client, plan):
    body = client.get(f"/targets.csv?region={REGION}&plan={plan}").get_data(as_text=True)
    return len(list(csv.DictReader(io.StringIO(body.lstrip("\ufeff")))))


@pytest.fixture(scope="module")
def docx_bytes(app):
    return app.test_client().get(f"/regions/{REGION}/report.docx").data


def test_wrap_breaks_between_tokens_only():
    text = "全社会研发投入占地区生产总值比重达到1.83%，到2025年力争达到2.2%以上，新增高新技术企业1200家。"
    for width in range(6, 30):
        lines = wrap_cjk(text, width)
        assert "".join(lines) == text
        for before, after in zip(lines, lines[1:]):
            assert not (before[-1].isdigit() or before[-1] == ".") or not after[0].isdigit()
            assert not re.match(r"^[%家，。、]", after)  # no unit or closing mark alone
    assert wrap_cjk("提高1.5个百分点", 4) == ["提高", "1.5个百分点"]


def test_docx_counts_only_the_five_year_plans_targets(client, docx_bytes):
    doc = Document(io.BytesIO(docx_bytes))
    text = "\n".join(p.text for p in doc.paragraphs)
    expected = _count(client, FIVE_YEAR_PLAN)
    assert expected != _count(client, ANNUAL_PLAN)
    assert f"共设{expected}项目标" in text
    assert "单位：宿迁市人民政府办公室" in text and "报告日期：" in text and "数据截至：" in text
    rows = sum(len(t.rows) - 1 for t in doc.tables)
    assert rows == expected
    assert "2023年度国家创新型城市" not in text


def test_citations_are_numbered_once_each(docx_bytes):
    doc = Document(io.BytesIO(docx_bytes))
    citations = [p.text for p in doc.paragraphs if re.match(r"^\[\d+\] 《", p.text)]
    numbers = [int(re.match(r"^\[(\d+)\]", c).group(1)) for c in citations]
    assert numbers == list(range(1, len(numbers) + 1)) and numbers
    quotes = [c.split("：“", 1)[1] for c in citations]
    assert len(set(quotes)) == len(quotes)
    assert not any("\n" in c for c in citations)
    cited = {int(n) for t in doc.tables for r in t.rows[1:]
             for n in re.findall(r"\[(\d+)\]", r.cells[-1].text)}
    assert cited == set(numbers)  # every quote is some target's, every target cites


def test_annual_plan_is_its_own_report_and_an_unknown_plan_is_a_400(client):
    response = client.get(f"/regions/{REGION}/report.docx?plan={ANNUAL_PLAN}")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)
    assert f"共设{_count(client, ANNUAL_PLAN)}项目标" in text
    bad = client.get(f"/regions/{REGION}/report.pdf?plan=nope",
                     headers={"Accept": "application/json"})
    assert bad.status_code == 400 and "不是本地区的规划" in bad.get_json()["description"]


def test_xlsx_holds_numbers_with_formats_filters_and_a_frozen_header(client):
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/regions/{REGION}/report.xlsx").data))
    sheet = book["目标完成情况"]
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    assert sheet.max_row - 1 == _count(client, FIVE_YEAR_PLAN)
    target = header.index("目标值") + 1
    values = [sheet.cell(r, target).value for r in range(2, sheet.max_row + 1)]
    assert all(isinstance(v, (int, float)) for v in values if v is not None)
    assert sum(v is not None for v in values) > len(values) // 2
    year = header.index("目标年份") + 1
    assert {sheet.cell(r, year).value for r in range(2, sheet.max_row + 1)} == {2025}
    assert sheet.column_dimensions["C"].width >= 20
    rate = header.index("完成率") + 1
    assert sheet.cell(2, rate).number_format == "0.0%"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_has_cover_summary_and_the_plans_targets(client):
    pdf = client.get(f"/regions/{REGION}/report.pdf").data
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    expected = _count(client, FIVE_YEAR_PLAN)
    assert f"共{expected}项目标" in flat and f"共{expected}项）" in flat
    assert "单位：" in flat and "数据截至：" in flat and "附录：数据来源" in flat
    start = text.index("出处（规划原文）")
    cited = text[start:text.index("附录：数据来源", start)]
    lines = [line.strip() for line in cited.splitlines() if line.strip()]
    assert sum(bool(re.match(r"^\[\d+\] 《", line)) for line in lines) >= expected // 2
    for before, after in zip(lines, lines[1:]):  # no figure split across lines
        split = re.search(r"[\d.]$", before) and re.match(r"^[\d.%％]", after)
        assert not split, (before, after)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_docx_converts_with_libreoffice(docx_bytes, tmp_path):
    path = tmp_path / "report.docx"
    path.write_bytes(docx_bytes)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(path)], capture_output=True, timeout=180, check=True)
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000


@pytest.mark.parametrize(("adcode", "map_id", "kind"), [("321300", "321300", None),
                                                        ("321302", "321300", None),
                                                        ("320000", "320000", "progress")])
def test_the_reports_map_is_the_regions_own(app, monkeypatch, adcode, map_id, kind):
    """A city's report shows the city (its counties and carriers), a county's its city,
    a province's the progress of its cities: never another region's map."""
    from web import regions

    asked = []
    monkeypatch.setattr(regions, "export_file",
                        lambda _app, req: asked.append(req) or (b"png", "image/png"))
    with app.test_request_context():
        ctx = regions.region_context(adcode)
        assert regions._map_png(adcode, ctx["rows"]) == b"png"
    assert [r.map_id for r in asked] == [map_id]
    assert dict(asked[0].choice_args).get("kind") == kind


def test_xlsx_figures_show_their_own_decimals_and_no_trailing_point(client):
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/regions/{REGION}/report.xlsx").data))
    sheet = book["目标完成情况"]
    header = [c.value for c in sheet[1]]
    shown = {}
    for name in ("基期值", "目标值"):
        column = header.index(name) + 1
        for r in range(2, sheet.max_row + 1):
            cell = sheet.cell(r, column)
            if cell.value is not None:
                shown[cell.value] = cell.number_format
    # Excel writes 1500 under "#,##0.##" as "1,500." (a dangling point)
    assert shown[1500] == "#,##0" and shown[1.83] == "#,##0.00" and shown[2.2] == "#,##0.0"
    assert not any(f.endswith(".") or f.endswith("#") for f in shown.values())


def test_a_comparison_keeps_each_regions_slot_and_names_only_drawn_series():
    from matplotlib.figure import Figure

    from geo.fonts import find_cjk_font
    from monitor.report import draw_compare

    spec = {"categories": ["甲省", "乙市"], "unit": "人年",
            "series": [{"name": "基期值", "data": [None, None], "labels": ["", ""]},
                       {"name": "目标值", "data": [140, 90], "labels": ["140\n2020年", "90\n2020年"]},
                       {"name": "实际值", "data": [150, None], "labels": ["150\n2020年", ""]}],
            "reference": {"value": 160, "name": "甲省目标（2020年）"}}
    ax = Figure().add_subplot()
    draw_compare(ax, spec, find_cjk_font())
    assert ax.get_xlim() == (-0.5, 1.5)  # the missing baseline keeps its place
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["目标值", "实际值"]
    reference = [t for t in ax.texts if t.get_text() == "甲省目标（2020年）"][0]
    assert reference.get_position()[0] <= 1.5  # written inside the axes, not cut off
    assert sorted(t.get_text() for t in ax.texts if "年" in t.get_text()
                  and t is not reference) == ["140\n2020年", "150\n2020年", "90\n2020年"]


@pytest.mark.parametrize("completion, time_progress, text", [
    (0.5, 0.8, "30个百分点"),  # as plain as “50%” and “80%” beside it
    (0.459, 0.8, "34.1个百分点"),
    (0.7284, 0.8, "7.2个百分点"),
])
def test_a_lag_is_written_like_the_percentages_it_compares(completion, time_progress, text):
    from monitor.summary import lag_text

    assert lag_text(completion, time_progress) == text


def test_data_as_of_says_whether_the_latest_figure_was_imported_or_stated_by_the_plan():
    import pandas as pd

    from monitor.summary import data_as_of

    stated = pd.DataFrame({"actual_year": [2020.0, None], "actual_version": [None, None]})
    assert data_as_of(stated) == "2020年（规划所载完成值）"
    both = pd.DataFrame({"actual_year": [2020.0, 2024.0], "actual_version": [None, 3.0]})
    assert data_as_of(both) == "2024年（导入的最新实际值）"
    none = pd.DataFrame({"actual_year": [None], "actual_version": [None]})
    assert data_as_of(none) == "—（尚无导入的实际值）"
