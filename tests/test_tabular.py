"""Reading uploads within limits: declared dimensions, streamed rows, linear trimming, and
the peak memory of importing a hostile spreadsheet or CSV."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from conftest import ROOT

from ingest.tabular import Limits, TableRejected, read_table

MAX_IMPORT_RSS_MB = 300


def xlsx(rows, dimension: str | None = None, cells: dict | None = None) -> bytes:
    """A small workbook; ``dimension`` overwrites the sheet's declared range."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for ref, value in (cells or {}).items():
        sheet[ref] = value
    buffer = io.BytesIO()
    book.save(buffer)
    if dimension is None:
        return buffer.getvalue()
    source, out = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"/>',
                              f'<dimension ref="{dimension}"/>'.encode(), data)
            target.writestr(info.filename, data)
    return out.getvalue()


ROWS = [["地区", "年份"], ["沭阳县", 2023]]


def test_a_declared_range_past_the_limits_is_refused_before_reading():
    data = xlsx(ROWS, "A1:XFD50000")
    assert len(data) < 10_000
    with pytest.raises(TableRejected, match="50,000 行 × 16,384 列"):
        read_table(data)


@pytest.mark.parametrize("cells, message", [({"XFD2": "x"}, "第 16384 列"),
                                            ({"A1000000": "x"}, "行数超过上限")])
def test_cells_beyond_a_lying_dimension_are_refused_as_they_are_read(cells, message):
    with pytest.raises(TableRejected, match=message):
        read_table(xlsx(ROWS, "A1:B2", cells))


def test_empty_styled_cells_far_away_cost_nothing():
    book = openpyxl.Workbook()
    sheet = book.active
    for row in ROWS:
        sheet.append(row)
    sheet["Z40000"].font = openpyxl.styles.Font(bold=True)
    sheet["A40001"].number_format = "0.0"
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue())
    assert table.frame.to_dict("list") == {"地区": ["沭阳县"], "年份": ["2023"]}


def test_formula_cells_are_reported_at_their_row():
    with pytest.raises(TableRejected) as caught:
        read_table(xlsx([["地区", "年份"], ["沭阳县", "=1+1"]]))
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "B2")]


def test_trailing_commas_are_trimmed():
    data = ("地区,年份" + "," * 16_000 + "\n沭阳县,2023,,\n" + ",,,\n" * 1000).encode()
    assert read_table(data).frame.to_dict("list") == {"地区": ["沭阳县"], "年份": ["2023"]}


def test_a_csv_line_with_more_cells_than_a_spreadsheet_is_refused():
    data = ("地区,年份\n" + "a," * 20_000 + "\n").encode()
    with pytest.raises(TableRejected, match="第 2 行的分隔符多于 16,384"):
        read_table(data)
    with pytest.raises(TableRejected, match="第 1 行的分隔符多于 16,384"):
        read_table(("地区,年份" + "," * 100_000 + "\n沭阳县,2023\n").encode())


@pytest.mark.parametrize("limit, rows", [("max_columns", [["c"] * 6]),
                                         ("max_cells", [["a", "b"]] * 6)])
def test_column_and_cell_limits_apply_while_reading(limit, rows):
    limits = Limits(**{limit: 5})
    text = "\n".join(",".join(row) for row in rows) + "\n"
    with pytest.raises(TableRejected, match="上限"):
        read_table(text.encode(), limits=limits)


# The import command, run so that it reports its own peak memory: VmHWM of the process
# after exec (ru_maxrss would include the forked copy of this test process), with the
# data segment capped at 2 GB so that a regression fails instead of eating the host.
CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_DATA, (2 << 30, 2 << 30))
try:
    from web.cli import main
    code = main(sys.argv[1:])
finally:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM"))
    print("PEAK_KB", peak, file=sys.stderr)
sys.exit(code)
"""


def dimension_bomb() -> bytes:
    """50,000 short rows under a declared range of 16,384 columns: a reader that pads
    rows to the declared range makes 819 million cells of them."""
    return xlsx([ROWS[0]] + [ROWS[1]] * 49_998, "A1:XFD50000")


@pytest.mark.parametrize("name, data", [
    ("dimension.xlsx", dimension_bomb),
    ("commas.csv", lambda: ("地区,年份" + "," * 10_000_000 + "\n沭阳县,2023\n").encode()),
])
def test_importing_a_hostile_file_stays_under_the_memory_ceiling(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data())
    env = {**os.environ, "INNOMAP_STORE_URL": str(tmp_path / "s.gpkg")}
    proc = subprocess.run([sys.executable, "-c", CHILD, "import", "metrics", str(path),
                           "--dry-run"], cwd=ROOT, env=env, capture_output=True, timeout=180)
    output = (proc.stdout + proc.stderr).decode("utf-8", errors="replace")
    peak = re.search(r"PEAK_KB (\d+)", output)
    assert peak and "被拒绝" in output, output[-500:]
    peak_mb = int(peak.group(1)) / 1024
    assert peak_mb < MAX_IMPORT_RSS_MB, f"peak RSS {peak_mb:.0f} MB"
