"""Reading plan documents: the seeds read as today, DOCX and PDF made from seeds,
HTML and GBK text, and every hostile or unreadable file refused with a reason."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from ingest.plans.errors import PlanReadingError
from ingest.plans.reading import read_document, read_path
from layers.plans import plan_text, section_of

DATA = Path(__file__).resolve().parents[1] / "data"
SEEDS = [row["id"] for row in json.loads((DATA / "plans" / "plans.json").read_text("utf-8"))]


@pytest.mark.parametrize("plan_id", SEEDS)
def test_seed_reading_text_is_the_registry_text(plan_id):
    reading = read_path(DATA / "plans" / f"{plan_id}.txt")
    assert reading.text == plan_text(DATA, plan_id)


def test_hard_wrapped_seed_is_detected_and_others_not():
    wrapped = {p: read_path(DATA / "plans" / f"{p}.txt").unwrapped for p in SEEDS}
    declared = {r["id"]: r["unwrap"] for r in
                json.loads((DATA / "plans" / "plans.json").read_text("utf-8"))}
    assert wrapped == declared


def test_blocks_hold_offsets_and_the_section_of_their_text():
    reading = read_path(DATA / "plans" / f"{SEEDS[3]}.txt")
    for block in reading.blocks[::7]:
        quote = reading.text[block.start:block.end]
        if reading.text.find(quote) == block.start:
            assert block.section == section_of(reading.text, quote)
    kinds = {b.kind for b in reading.blocks}
    assert kinds == {"heading", "paragraph", "table_row"}


def test_gbk_text_reads_like_utf8():
    text = (DATA / "plans" / f"{SEEDS[0]}.txt").read_text("utf-8")
    assert read_document(text.encode("gb18030")).text == read_document(text.encode()).text


def _docx_from_text(text: str) -> bytes:
    """A DOCX of a seed: each line a paragraph, each tab-cell table a Word table."""
    import docx

    document = docx.Document()
    lines, i = text.split("\n"), 0
    while i < len(lines):
        if lines[i].startswith("\t"):
            rows = []
            while i < len(lines) and (lines[i].startswith("\t") or
                                      (not lines[i].strip() and i + 1 < len(lines)
                                       and lines[i + 1].startswith("\t"))):
                if lines[i].startswith("\t"):
                    cells = []
                    while i < len(lines) and lines[i].startswith("\t"):
                        cells.append(lines[i][1:])
                        i += 1
                    rows.append(cells)
                else:
                    i += 1
            width = max(len(r) for r in rows)
            table = document.add_table(rows=len(rows), cols=width)
            table.style = "Table Grid"  # ruled, as the tables of printed plans are
            for r, cells in enumerate(rows):
                for c, cell in enumerate(cells):
                    table.cell(r, c).text = cell
            continue
        if lines[i].strip():
            document.add_paragraph(lines[i])
        i += 1
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seed_docx():
    return _docx_from_text(plan_text(DATA, SEEDS[3]))


def test_docx_keeps_paragraphs_and_table_rows(seed_docx):
    reading = read_document(seed_docx)
    assert reading.format == "docx"
    rows = [b.cells for b in reading.blocks if b.kind == "table_row"]
    assert ("科技进步贡献率（%）", "57.1", "60", "预期性") in rows
    assert "（五）发展目标" in reading.text


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_pdf_made_by_libreoffice_reads_text_and_table(seed_docx, tmp_path):
    source = tmp_path / "plan.docx"
    source.write_bytes(seed_docx)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(source)], check=True, capture_output=True, timeout=180,
                   env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    reading = read_path(tmp_path / "plan.pdf")
    assert reading.format == "pdf"
    rows = [b.cells for b in reading.blocks if b.kind == "table_row"]
    assert any("57.1" in cells and "60" in cells for cells in rows)
    assert "全力打造花果山大道科技创新走廊" in reading.text


def test_html_page_reads_blocks_and_tables():
    page = ("<html><head><meta charset='utf-8'><script>var x='<p>no</p>'</script></head><body>"
            "<nav>首页</nav><h1>某市“十五五”科技创新规划</h1><p>一、发展基础</p>"
            "<p>到2030年，高新技术企业达到600家。</p><table><tr><td>指标</td><td>2025年</td>"
            "<td>2030年</td></tr><tr><td>高新技术企业数（家）</td><td>300</td><td>300</td></tr>"
            "</table></body></html>").encode()
    reading = read_document(page)
    assert reading.format == "html"
    assert "var x" not in reading.text and "首页" not in reading.text
    assert ("高新技术企业数（家）", "300", "300") in [b.cells for b in reading.blocks]


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("data, code", [
    (b"\x00\x01\x02binary" * 10, "unknown_format"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "encrypted"),
    (_zip({"word/document.xml": b"<w/>" + b" " * 60_000_000}), "zip_bomb"),
    (_zip({"a.txt": b"hello"}), "unknown_format"),
    (b"PK\x03\x04 not really a zip", "damaged"),
    (b"   \n ", "empty"),
])
def test_hostile_or_unknown_files_are_refused_with_a_reason(data, code):
    with pytest.raises(PlanReadingError) as error:
        read_document(data)
    assert error.value.code == code
    assert error.value.message


def test_scanned_pdf_without_text_is_refused():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(out, format="PDF")
    with pytest.raises(PlanReadingError) as error:
        read_document(out.getvalue())
    assert error.value.code == "scanned_pdf"


def test_cli_text_and_refusal(tmp_path, capsys):
    from web.cli import main

    assert main(["plans", "text", str(DATA / "plans" / f"{SEEDS[2]}.txt")]) == 0
    assert capsys.readouterr().out == plan_text(DATA, SEEDS[2])
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert main(["plans", "extract", str(bad)]) == 2
    assert "加密" in capsys.readouterr().err


def test_web_page_nested_past_the_parser_limit_is_refused_not_crashed():
    page = ("<html><body>" + "<div>" * 5000 + "正文" * 40 + "</div>" * 5000 + "</body></html>")
    with pytest.raises(PlanReadingError):
        read_document(page.encode())
