"""`bench_peers` says, next to one feature by id, what the least any server answering
from the database can take, and what 5× tipg would be."""

import io

from benchmarks.bench_peers import _interleaved_results
from benchmarks.floor_app import BODY, app


def _figures():
    ms = 1e-3
    cases = {case: {"innomap": 1.0 * ms, "tipg": 3.0 * ms, "floor": 0.5 * ms}
             for case in ("bbox", "page", "tile")}
    cases["id"] = {"innomap": 1.2 * ms, "tipg": 2.0 * ms, "floor": 0.5 * ms,
                   "floor native": 0.22 * ms, "database": 0.21 * ms}
    return cases | {"load": [0.6, 0.8]}


def test_the_note_on_ids_names_every_floor_and_the_goal():
    by_case = {r.case.split(": ")[1].split(",")[0]: r for r in _interleaved_results(
        1_000_000, _figures())}
    note = by_case["one feature by id"].note
    assert "floor (same gunicorn, fixed bytes): 0.50 ms" in note
    assert "floor under a native HTTP server (granian): 0.22 ms" in note
    assert "one row by key from PostgreSQL: 0.21 ms" in note
    assert "5× tipg would be 0.40 ms" in note
    assert "5× tipg" not in by_case["bbox limit=100"].note  # boxes have no key lookup


def test_the_floor_app_answers_one_feature_s_bytes_with_their_length():
    seen = {}
    body = b"".join(app({"PATH_INFO": "/anything", "wsgi.input": io.BytesIO()},
                        lambda status, headers: seen.update(status=status, headers=headers)))
    assert body == BODY and seen["status"] == "200 OK"
    assert dict(seen["headers"])["Content-Length"] == str(len(BODY))
