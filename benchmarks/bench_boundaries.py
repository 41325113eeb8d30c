"""National boundaries in a worker: start-up, memory, and maps of provinces far apart.

Each figure comes from a fresh child process (``python -c``) so that nothing of
one measurement stays in the next: ``create_app()`` time and resident memory
(``VmRSS`` of ``/proc/self/status``), then the same after drawing the maps of
provinces and cities all over the country (each a province's polygons read from
the GeoPackages, the last few kept). The baseline is the app just created: the
growth is what national boundaries cost a worker that is asked for them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks import Result

ROOT = Path(__file__).resolve().parents[1]
# Maps of units all over the country: provinces and cities of eight provinces.
MAPS = ["/maps/440300", "/maps/440000", "/maps/330100", "/maps/510000", "/maps/650000",
        "/maps/230100", "/maps/540000", "/maps/460000", "/maps/320700", "/maps/110000"]
CHILD = """
import json, sys, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
start = time.perf_counter()
from web import create_app
app = create_app({"testing": True})
ready = time.perf_counter() - start
base = rss()
client = app.test_client()
statuses = [client.get(url).status_code for url in json.loads(sys.argv[1])]
print(json.dumps({"start": ready, "rss": base, "after": rss(), "statuses": statuses}))
"""


def measure(urls: list[str]) -> dict:
    """One child process: start-up seconds, RSS (MB) after it and after ``urls``."""
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(urls)], cwd=ROOT,
                         capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> list[Result]:
    runs = [measure(MAPS) for _ in range(3)]
    best = min(runs, key=lambda r: r["start"])
    grown = min(r["after"] - r["rss"] for r in runs)
    failed = [u for u, s in zip(MAPS, best["statuses"]) if s != 200]
    note = (f"best of 3 child processes; maps of {len(MAPS)} regions in 8 provinces "
            f"({'all 200' if not failed else 'failed: ' + ', '.join(failed)})")
    return [
        Result("worker with national boundaries", "create_app", "s", best["start"],
               "(absolute)", 0.0, note),
        Result("worker with national boundaries", "RSS after create_app", "MB", best["rss"],
               "(absolute)", 0.0),
        Result("worker with national boundaries", f"RSS after {len(MAPS)} maps", "MB",
               best["rss"] + grown, "RSS after create_app", best["rss"]),
    ]
