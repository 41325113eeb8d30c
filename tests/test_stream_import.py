"""Large carrier lists read and written in chunks: same rows as the whole-file check,
all or nothing, every problem counted, keys repeated across chunks found."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.base import MAX_PROBLEMS
from ingest.imports import ImportOptions, prepare_import
from ingest.stream import StreamRejected, file_facts, stream_import
from store import open_store
from tests.test_tabular import CHILD
from web import cli
from web.import_cli import cli_context
from web.settings import from_environment

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = ImportOptions(kind="carriers", datum="WGS84")
CHUNK = 40


@pytest.fixture(scope="module")
def ctx():
    return cli_context(from_environment())


def carriers_csv(n: int, bad: dict[int, str] | None = None, header="名称,类型,地址,经度,纬度") -> bytes:
    """``n`` carriers in 宿迁 (WGS84); ``bad`` replaces the line of data row i."""
    rng = np.random.default_rng(4)
    lon, lat = rng.uniform(118.2, 118.9, n), rng.uniform(33.7, 34.1, n)
    lines = [header]
    for i in range(n):
        lines.append((bad or {}).get(i) or
                     f"企业{i:05d},enterprise,宿迁市某路{i}号,{lon[i]:.6f},{lat[i]:.6f}")
    return ("\n".join(lines) + "\n").encode()


def test_chunks_store_exactly_what_the_whole_file_check_gives(tmp_path, ctx):
    data = carriers_csv(203)
    store = open_store(tmp_path / "s.gpkg")
    version = stream_import(data, "big.csv", OPTIONS, ctx, store, user="t", chunk_rows=CHUNK)
    whole = prepare_import(data, "big.csv", OPTIONS, ctx).rows
    stored = store.rows("carriers").drop(columns=["version", "row_no"])
    assert version.row_count == 203 and len(stored) == 203
    expected = whole.sort_values(["name", "type", "county_adcode"]).reset_index(drop=True)
    assert stored.to_dict("records") == expected.to_dict("records")
    assert stored["source"].iloc[150] == f"big.csv 第 {int(stored['name'].iloc[150][2:]) + 2} 行"


def test_one_bad_row_names_its_row_and_leaves_the_store_unchanged(tmp_path, ctx):
    store = open_store(tmp_path / "s.gpkg")
    stream_import(carriers_csv(50), "first.csv", OPTIONS, ctx, store, user="t",
                    chunk_rows=CHUNK)
    before = (tmp_path / "s.gpkg").read_bytes()
    data = carriers_csv(300, bad={173: "企业00173,enterprise,宿迁,abc,34.0"})
    with pytest.raises(StreamRejected) as caught:
        stream_import(data, "bad.csv", OPTIONS, ctx, store, user="t", chunk_rows=CHUNK)
    (problem,) = caught.value.problems
    assert problem.row == 175 and caught.value.total == 1 and "abc" in problem.value
    assert [v.id for v in store.versions()] == [1] and len(store.rows("carriers")) == 50
    assert store.current_count() == 50
    assert (tmp_path / "s.gpkg").read_bytes() == before


def test_a_key_repeated_in_another_chunk_is_refused(tmp_path, ctx):
    rows = carriers_csv(120).decode().splitlines()
    rows[101] = rows[3].replace("宿迁市某路2号", "另一个地址")  # same name, type, place
    store = open_store(tmp_path / "s.gpkg")
    with pytest.raises(StreamRejected) as caught:
        stream_import(("\n".join(rows) + "\n").encode(), "dup.csv", OPTIONS, ctx, store,
                        user="t", chunk_rows=CHUNK)
    message = caught.value.problems[0].message
    assert "dup.csv 第 4 行" in message and "dup.csv 第 102 行" in message
    assert store.versions() == []


def test_every_problem_is_counted_the_first_ones_listed(tmp_path, ctx):
    n = MAX_PROBLEMS + 60
    data = carriers_csv(n, bad={i: f"企业{i:05d},enterprise,宿迁,x,34.0" for i in range(n)})
    with pytest.raises(StreamRejected) as caught:
        stream_import(data, "all-bad.csv", OPTIONS, ctx, open_store(tmp_path / "s.gpkg"),
                        user="t", chunk_rows=CHUNK)
    assert caught.value.total == n and len(caught.value.problems) == MAX_PROBLEMS
    assert [p.row for p in caught.value.problems[:3]] == [2, 3, 4]


def test_a_missing_column_is_reported_once(tmp_path, ctx):
    data = carriers_csv(200, header="名称,地址,经度,纬度,类别x")
    with pytest.raises(StreamRejected) as caught:
        stream_import(data, "h.csv", OPTIONS, ctx, open_store(tmp_path / "s.gpkg"), user="t",
                        chunk_rows=CHUNK)
    assert caught.value.total == len(caught.value.problems) <= 3
    assert any("类型" in p.message for p in caught.value.problems)


def test_cli_streams_a_carriers_csv(tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_bytes(carriers_csv(90, bad={44: "企业00044,enterprise,宿迁,200,34.0"}))
    store = tmp_path / "cli.gpkg"
    args = ["import", "carriers", str(path), "--datum", "WGS84", "--store", str(store)]
    assert cli.main(args) == 2
    assert "第 46 行" in capsys.readouterr().err and open_store(store).versions() == []
    path.write_bytes(carriers_csv(90))
    assert cli.main(args) == 0
    assert "已导入 90 条记录" in capsys.readouterr().out


def test_a_path_and_an_open_file_are_read_without_a_bytes_copy(tmp_path, ctx):
    data = carriers_csv(130)
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    by_path = stream_import(path, "c.csv", OPTIONS, ctx, open_store(tmp_path / "a.gpkg"),
                              user="t", chunk_rows=CHUNK)
    with path.open("rb") as file:
        file.read(17)  # read from its start whatever the position
        by_file = stream_import(file, "c.csv", OPTIONS, ctx, open_store(tmp_path / "b.gpkg"),
                                  user="t", chunk_rows=CHUNK)
        assert not file.closed
    assert by_path.sha256 == by_file.sha256 == hashlib.sha256(data).hexdigest()
    assert by_path.row_count == by_file.row_count == 130


@pytest.mark.parametrize("text, rows", [("h\na\nb\n", 2), ("h\na\nb", 2), ("h\n", 1), ("", 1)])
def test_file_facts_count_the_data_lines(text, rows):
    facts = file_facts(text.encode())
    assert facts.rows == rows and facts.size == len(text)
    assert facts.sha256 == hashlib.sha256(text.encode()).hexdigest()


def test_progress_and_the_writing_step_are_reported(tmp_path, ctx):
    calls = []
    stream_import(carriers_csv(100), "p.csv", OPTIONS, ctx, open_store(tmp_path / "s.gpkg"),
                    user="t", chunk_rows=CHUNK, progress=lambda d, t: calls.append((d, t)),
                    writing=lambda: calls.append("writing"))
    assert calls == [(0, 100), (40, 100), (80, 100), (100, 100), "writing"]


# The import command over a generated 500,000-row file, reporting its own peak memory
# (tests/test_tabular.py's CHILD). The file is read from disk in chunks, never whole.
BIG_ROWS = 500_000
MAX_RSS_MB = 500


def _cli_peak(path, store) -> tuple[int, str, float]:
    args = ["import", "carriers", str(path), "--datum", "WGS84", "--store", str(store)]
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT,
                          capture_output=True, timeout=600)
    output = (proc.stdout + proc.stderr).decode("utf-8", errors="replace")
    peak = re.search(r"PEAK_KB (\d+)", output)
    assert peak, output[-500:]
    return proc.returncode, output, int(peak.group(1)) / 1024


@pytest.mark.slow
def test_half_a_million_rows_in_bounded_memory_and_one_bad_row_refused(tmp_path):
    path, store = tmp_path / "big.csv", tmp_path / "big.gpkg"
    path.write_bytes(carriers_csv(BIG_ROWS))
    code, output, peak_mb = _cli_peak(path, store)
    assert code == 0 and f"已导入 {BIG_ROWS} 条记录" in output, output[-500:]
    assert peak_mb < MAX_RSS_MB, f"peak RSS {peak_mb:.0f} MB"
    assert open_store(store).current_count() == BIG_ROWS
    before = store.read_bytes()
    path.write_bytes(carriers_csv(BIG_ROWS, bad={BIG_ROWS - 2: "企业x,enterprise,宿迁,abc,34.0"}))
    code, output, peak_mb = _cli_peak(path, store)
    assert code == 2 and f"第 {BIG_ROWS} 行" in output and "1 处问题" in output, output[-500:]
    assert peak_mb < MAX_RSS_MB, f"peak RSS {peak_mb:.0f} MB"
    assert store.read_bytes() == before


METRICS = ImportOptions(kind="metrics")
INDICATORS = {"rd_intensity": "%", "rd_spending": "亿元"}


def metrics_csv(ctx, bad: dict[int, str] | None = None) -> tuple[bytes, list[tuple]]:
    """Long-format values for every Jiangsu county, two indicators, 2001–2030 (the
    region as its adcode); ``bad`` replaces data row i. Also the (adcode, indicator,
    year, value) of every row."""
    b = ctx.boundaries
    counties = sorted(b.loc[(b["level"] == "county") & (b["province_adcode"] == "320000"),
                            "adcode"])
    lines, keys = ["地区,年份,指标,数值,单位"], []
    for adcode in counties:
        for indicator, unit in INDICATORS.items():
            for year in range(2001, 2031):
                value = round(int(adcode) % 97 + (year - 2000) / 10, 2)
                keys.append((adcode, indicator, year, value))
                lines.append((bad or {}).get(len(keys) - 1)
                             or f"{adcode},{year},{indicator},{value},{unit}")
    return ("\n".join(lines) + "\n").encode(), keys


def test_a_large_metrics_table_goes_in_by_chunks(tmp_path, ctx):
    data, keys = metrics_csv(ctx)
    assert len(keys) > 5000
    store = open_store(tmp_path / "s.gpkg")
    version = stream_import(data, "values.csv", METRICS, ctx, store, user="t", chunk_rows=1000)
    stored = store.rows("metrics")
    assert version.kind == "metrics" and version.row_count == len(keys) == len(stored)
    got = sorted(zip(stored["region_adcode"], stored["indicator_id"], stored["year"],
                     stored["value"]))
    assert got == sorted(keys)
    row = stored[(stored["region_adcode"] == keys[4321][0]) & (stored["year"] == keys[4321][2])
                 & (stored["indicator_id"] == keys[4321][1])]
    assert row["source"].tolist() == ["values.csv 第 4323 行"]  # absolute, past chunk 4


def test_a_bad_metric_row_is_named_and_nothing_is_written(tmp_path, ctx):
    store = open_store(tmp_path / "s.gpkg")
    data, keys = metrics_csv(ctx, bad={3456: "苏州市不存在县,2020,rd_intensity,2.5,%"})
    with pytest.raises(StreamRejected) as caught:
        stream_import(data, "values.csv", METRICS, ctx, store, user="t", chunk_rows=1000)
    assert [p.row for p in caught.value.problems] == [3458] and caught.value.total == 1
    assert store.versions() == [] and len(store.rows("metrics")) == 0


def test_a_metric_repeated_in_another_chunk_is_refused(tmp_path, ctx):
    data, keys = metrics_csv(ctx)
    adcode, indicator, year, _ = keys[10]
    unit = INDICATORS[indicator]
    data += f"{adcode},{year},{indicator},9.9,{unit}\n".encode()
    store = open_store(tmp_path / "s.gpkg")
    with pytest.raises(StreamRejected) as caught:
        stream_import(data, "values.csv", METRICS, ctx, store, user="t", chunk_rows=1000)
    (problem,) = caught.value.problems
    assert "第 12 行" in problem.message and f"第 {len(keys) + 2} 行" in problem.message
    assert "同一地区、指标与年份" in problem.message and store.versions() == []
