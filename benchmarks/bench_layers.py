"""Load time and peak memory of all layers, against a bare read of the boundaries.

Both sides run in a fresh Python process so import cost and memory are counted
the same way; the baseline is pyogrio reading the full-resolution boundary file,
the least any loader of the same data must do.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks import Result

ROOT = Path(__file__).resolve().parents[1]
# Peak RSS from VmHWM, which starts afresh at exec; ru_maxrss would carry over the
# peak of the (large) benchmark process that forked the probe.
_PROBE = """
import json, re, sys, time
t = time.perf_counter()
{body}
elapsed = time.perf_counter() - t
status = open("/proc/self/status").read()
hwm_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
print(json.dumps({{"seconds": elapsed, "max_rss_mb": hwm_kb / 1024}}))
"""
BASELINE = ("import geopandas as gpd\n"
            "gpd.read_file('data/boundaries/admin.geojson', engine='pyogrio')")
SUBJECT = "from layers import load_catalog\nload_catalog('data')"


def _measure(body: str, repeat: int = 3) -> dict:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", _PROBE.format(body=body)], cwd=ROOT,
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def run() -> list[Result]:
    base = _measure(BASELINE)
    ours = _measure(SUBJECT)
    label = "pyogrio read of admin.geojson"
    return [
        Result("load all layers", "time (imports + load)", "s", ours["seconds"], label,
               base["seconds"]),
        Result("load all layers", "peak RSS", "MB", ours["max_rss_mb"], label,
               base["max_rss_mb"]),
    ]
