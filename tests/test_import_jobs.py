"""Large carrier lists imported from the web as a background job with a page to poll.

The upload lands on disk, the job runs in a thread of the receiving app and writes
its state to the store's job board, which any app on the same store reads — also
while the import's own transaction holds the store's write lock.
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from conftest import ADMIN_TOKEN
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from ingest.base import MAX_PROBLEMS
from store import open_store
from store.jobs import JobBusy
from tests.test_import_live import carrier_names
from tests.test_store import carriers, emptied, postgres_url, store  # noqa: F401 (fixtures)
from tests.test_stream_import import carriers_csv
from tests.test_two_hosts import hosts  # noqa: F401 (two gunicorns on postgres_url)
from web import create_app

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "application/json"}
CHUNK_ROWS = 1000
MAX_BYTES = 2_500_000


def make_app(store_url: str, upload_dir: Path):
    return create_app({"testing": True, "store_url": store_url,
                       "admin_tokens": f"tester:{ADMIN_TOKEN}", "upload_dir": str(upload_dir),
                       "stream_chunk_rows": CHUNK_ROWS, "stream_max_bytes": MAX_BYTES})


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One store file and two apps on it (as two workers or two hosts would be)."""
    base = tmp_path_factory.mktemp("jobs")
    url = str(base / "store.gpkg")
    first = make_app(url, base / "uploads-1")
    return {"url": url, "base": base, "first": first,
            "second": lambda: make_app(url, base / "uploads-2")}


def upload(client, data: bytes, name="big.csv", headers=AUTH, **form):
    """POST the file as a browser would (the body encoded here, in memory: the test
    client's own encoder spools a large body to a file it never closes)."""
    fields = {"datum": "WGS84", **form,
              "file": FileStorage(io.BytesIO(data), filename=name, content_type="text/csv")}
    boundary, body = encode_multipart(fields)
    return client.post("/admin/import/large", headers=headers, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def until_finished(client, url: str, seconds: float = 60) -> tuple[dict, list[str]]:
    """Poll the job's JSON until it is finished: the last state and every state seen."""
    deadline, seen = time.monotonic() + seconds, []
    while True:
        response = client.get(url, headers=AUTH)
        assert response.status_code == 200, response.get_data(as_text=True)
        job = response.get_json()
        if not seen or seen[-1] != job["state"]:
            seen.append(job["state"])
        if job["finished"]:
            wait_for_job_threads()
            return job, seen
        assert time.monotonic() < deadline, f"job still {job['state']} after {seconds}s"
        time.sleep(0.05)


def wait_for_job_threads(seconds: float = 10) -> None:
    """Until no job thread of this process runs (a finished job's thread still closes its
    connections)."""
    deadline = time.monotonic() + seconds
    while any(t.name.startswith("import-job-") for t in threading.enumerate()):
        assert time.monotonic() < deadline
        time.sleep(0.02)


def api_count(client) -> int:
    body = client.get("/api/collections/imported-carriers/items?f=json&limit=1").get_json()
    return body["numberMatched"]


def test_an_upload_becomes_a_version_and_the_job_shows_every_row_checked(shared):
    app = shared["first"]
    client = app.test_client()
    before = open_store(shared["url"]).latest_version_id()
    response = upload(client, carriers_csv(5000))
    assert response.status_code == 202
    job_url = response.headers["Location"]
    assert re.fullmatch(r"/admin/jobs/[A-Za-z0-9_-]+", job_url)
    job, seen = until_finished(client, response.get_json()["status_url"])
    assert job["state"] == "done" and job["label"] == "已完成", job
    assert job["rows_checked"] == job["rows_total"] == 5000
    assert job["version"]["id"] == before + 1 and job["version"]["row_count"] == 5000
    assert seen[-1] == "done" and set(seen) <= {"queued", "checking", "writing", "done"}
    assert api_count(client) == 5000
    assert list((shared["base"] / "uploads-1").iterdir()) == []  # the upload went with the job
    assert client.get(job_url, headers=AUTH).get_json() == \
        client.get(job_url + ".json", headers=AUTH).get_json()  # the page, as JSON
    page = client.get(job_url, headers={"Authorization": AUTH["Authorization"]})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "已完成" in html and "5,000 / 5,000" in html
    assert f"版本 {before + 1}" in html and 'href="/admin/#versions"' in html


def test_uploads_left_by_a_killed_worker_go_a_day_later(shared):
    folder = shared["base"] / "uploads-1"
    old, new = folder / "job-deadbeef0000.csv", folder / "upload-x1.part"
    for path in (old, new):
        path.write_bytes(b"x")
    os.utime(old, (time.time() - 25 * 3600,) * 2)
    client = shared["first"].test_client()
    response = upload(client, carriers_csv(5), name="tiny.csv")
    until_finished(client, response.get_json()["status_url"])
    assert not old.exists() and new.exists()
    new.unlink()


def test_one_bad_row_among_many_is_named_counted_and_changes_nothing(shared):
    client = shared["first"].test_client()
    target = open_store(shared["url"])
    before = target.latest_version_id()
    data = carriers_csv(30_000, bad={21_733: "企业21733,enterprise,宿迁,118.5,北纬34"})
    response = upload(client, data, name="one-bad.csv")
    job, seen = until_finished(client, response.get_json()["status_url"])
    assert job["state"] == "rejected" and job["label"] == "已拒绝"
    assert job["problem_count"] == 1 and [p["row"] for p in job["problems"]] == [21_735]
    assert "北纬34" in job["problems"][0]["value"]
    assert job["rows_checked"] == 30_000 and "checking" in seen
    assert target.latest_version_id() == before
    html = client.get(response.headers["Location"],
                      headers={"Authorization": AUTH["Authorization"]}).get_data(as_text=True)
    assert "第 21735 行" in html and "发现 1 处问题，没有写入任何数据" in html


def test_every_problem_is_counted_and_the_first_ones_listed(shared):
    client = shared["first"].test_client()
    n = MAX_PROBLEMS + 70
    data = carriers_csv(n + 400, bad={i: f"企业{i:05d},enterprise,宿迁,x,34.0"
                                      for i in range(400, 400 + n)})
    response = upload(client, data, name="many-bad.csv")
    job, _ = until_finished(client, response.get_json()["status_url"])
    assert job["problem_count"] == n and len(job["problems"]) == MAX_PROBLEMS
    assert job["problems"][0]["row"] == 402
    html = client.get(response.headers["Location"],
                      headers={"Authorization": AUTH["Authorization"]}).get_data(as_text=True)
    assert "……另有 70 处问题未列出" in html


@pytest.mark.parametrize("size", [MAX_BYTES + 10_000, MAX_BYTES + 2_000_000])
def test_a_file_over_the_limit_is_413_with_the_reason(shared, size):
    """Just over the limit (the whole form is read, then refused) and far over it (refused
    on its Content-Length before it is read)."""
    client = shared["first"].test_client()
    line = b"\xe4\xbc\x81\xe4\xb8\x9a,enterprise,118.5,34.0\n"
    data = b"\xe5\x90\x8d\xe7\xa7\xb0,\xe7\xb1\xbb\xe5\x9e\x8b,lon,lat\n" + \
        line * (size // len(line) + 1)
    response = upload(client, data)
    assert response.status_code == 413
    assert "上限" in response.get_json()["description"]
    assert list((shared["base"] / "uploads-1").iterdir()) == []


def test_unknown_and_malformed_jobs_are_404_in_chinese(shared):
    client = shared["first"].test_client()
    for job_id in ("no-such-job-0000", "x", "a" * 200):
        response = client.get(f"/admin/jobs/{job_id}.json", headers=AUTH)
        assert response.status_code == 404
        assert "导入任务" in response.get_json()["description"]
    page = client.get("/admin/jobs/no-such-job-0000",
                      headers={"Authorization": AUTH["Authorization"]})
    assert page.status_code == 404 and "不存在" in page.get_data(as_text=True)


def test_signing_in_and_the_form_s_csrf_token_are_needed(shared):
    client = shared["first"].test_client()
    assert upload(client, carriers_csv(10), headers={"Accept": "application/json"}) \
        .status_code == 401
    assert client.get("/admin/jobs/no-such-job-0000").status_code == 303  # to the login
    page = client.get("/admin/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/login", data={"token": ADMIN_TOKEN, "csrf_token": csrf})
    index = client.get("/admin/").get_data(as_text=True)
    assert "大文件导入（创新载体名单或区县指标，CSV）" in index and "2,500,000 字节" in index
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', index).group(1)
    assert upload(client, carriers_csv(10), headers={}).status_code == 403
    answer = upload(client, carriers_csv(10, bad={3: "企业00003,enterprise,宿迁,200,34"}),
                    headers={}, csrf_token=csrf)
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/admin/jobs/")
    job, _ = until_finished(client, answer.headers["Location"] + ".json")
    assert job["state"] == "rejected" and job["user"] == "tester"


def test_an_xlsx_is_refused_with_the_reason(shared):
    response = upload(shared["first"].test_client(), b"PK\x03\x04" + b"\0" * 100, name="a.xlsx")
    assert response.status_code == 400 and "只接受 CSV" in response.get_json()["description"]


def test_a_job_of_one_app_is_followed_from_another_on_the_same_store(shared):
    first, second = shared["first"].test_client(), shared["second"]().test_client()
    count = api_count(second)
    response = upload(first, carriers_csv(3000).replace(b"\xe4\xbc\x81\xe4\xb8\x9a",
                                                        "机构".encode()), name="other.csv")
    job, _ = until_finished(second, response.get_json()["status_url"])
    assert job["state"] == "done" and job["rows_checked"] == 3000
    deadline = time.monotonic() + 5  # the second app follows the store within its poll
    while api_count(second) != count + 3000:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_job_whose_heartbeat_stopped_is_interrupted_and_blocks_nothing(shared):
    client = shared["first"].test_client()
    board = open_store(shared["url"])
    board.start_job("stale-job-0001", {"state": "checking", "user": "tester",
                                       "filename": "dead.csv", "rows_checked": 4000,
                                       "rows_total": 9000})
    assert client.get("/admin/jobs/stale-job-0001.json", headers=AUTH) \
        .get_json()["state"] == "checking"
    age_job(board, "stale-job-0001", 120)
    job = client.get("/admin/jobs/stale-job-0001.json", headers=AUTH).get_json()
    assert job["state"] == "interrupted" and job["label"] == "已中断" and job["finished"]
    assert "服务进程已停止" in job["message"]
    response = upload(client, carriers_csv(20), name="after.csv")
    assert response.status_code == 202
    assert until_finished(client, response.get_json()["status_url"])[0]["state"] == "done"


def test_a_second_upload_while_a_job_runs_is_409(shared):
    client = shared["first"].test_client()
    board = open_store(shared["url"])
    board.start_job("live-job-0001", {"state": "checking", "user": "someone",
                                      "filename": "running.csv"})
    try:
        response = upload(client, carriers_csv(20), name="second.csv")
        assert response.status_code == 409
        assert "running.csv" in response.get_json()["description"]
        assert "/admin/jobs/live-job-0001" in response.get_json()["description"]
        assert list((shared["base"] / "uploads-1").iterdir()) == []
        # the small import and a rollback would wait for the job's write lock: refused too
        small = client.post("/admin/import", headers=AUTH, data={
            "file": (io.BytesIO(carriers_csv(3)), "small.csv"), "kind": "carriers",
            "datum": "WGS84", "commit": "1"})
        assert small.status_code == 409 and "running.csv" in small.get_json()["description"]
        assert client.post("/admin/versions/1/rollback", headers=AUTH).status_code == 409
    finally:
        board.put_job("live-job-0001", {"state": "interrupted", "user": "someone",
                                        "filename": "running.csv", "message": "test over"})


def age_job(board, job_id: str, seconds: float) -> None:
    """Move a job's heartbeat ``seconds`` into the past (its worker stopped then)."""
    if board.url.startswith("sqlite:///"):
        conn = sqlite3.connect(f"{board.url[len('sqlite:///'):]}.jobs.sqlite")
        with conn:
            conn.execute("UPDATE import_jobs SET heartbeat = heartbeat - ? WHERE job_id = ?",
                         (seconds, job_id))
        conn.close()
        return
    import psycopg

    with psycopg.connect(board.url, autocommit=True) as conn:
        conn.execute("UPDATE import_jobs SET heartbeat = heartbeat - %s WHERE job_id = %s",
                     (seconds, job_id))


# -- the job board on both stores ------------------------------------------------------

def test_the_board_is_read_by_another_store_while_an_import_holds_the_lock(store):  # noqa: F811
    other = open_store(store.url)
    store.start_job("board-job-0001", {"state": "queued", "user": "t", "filename": "f.csv"})
    seen = []

    def chunks():
        for i in range(3):
            store.put_job("board-job-0001", {"state": "checking", "user": "t",
                                             "filename": "f.csv", "rows_checked": i + 1})
            seen.append(other.job("board-job-0001")["rows_checked"])
            yield carriers([f"载体{i}"])

    store.add_import_stream("carriers", chunks(), user="t", filename="f.csv", sha256="0")
    assert seen == [1, 2, 3]  # read while the import's transaction was open
    store.put_job("board-job-0001", {"state": "done", "user": "t", "filename": "f.csv"})
    job = other.job("board-job-0001")
    assert job["finished"] and job["label"] == "已完成" and job["elapsed"] >= 0
    assert other.job("no-such-job") is None


def test_one_live_job_per_store_and_a_stale_one_gives_way(store):  # noqa: F811
    other = open_store(store.url)
    store.start_job("first-job-0001", {"state": "queued", "user": "a", "filename": "a.csv"})
    with pytest.raises(JobBusy) as caught:
        other.start_job("second-job-001", {"state": "queued", "user": "b", "filename": "b.csv"})
    assert caught.value.job["id"] == "first-job-0001" and "a.csv" in str(caught.value)
    assert other.job("second-job-001") is None
    age_job(store, "first-job-0001", 61)
    assert other.job("first-job-0001")["state"] == "interrupted"
    other.start_job("second-job-001", {"state": "queued", "user": "b", "filename": "b.csv"})
    assert store.job("second-job-001")["state"] == "queued"


def test_a_web_job_on_postgresql(postgres_url, tmp_path):  # noqa: F811

    emptied(postgres_url)
    client = make_app(postgres_url, tmp_path / "uploads").test_client()
    response = upload(client, carriers_csv(2500), name="pg.csv")
    job, _ = until_finished(client, response.get_json()["status_url"])
    assert job["state"] == "done" and job["rows_checked"] == job["rows_total"] == 2500
    assert api_count(client) == 2500
    assert open_store(postgres_url).job(job["id"])["version"]["row_count"] == 2500


# -- two hosts on one PostgreSQL, as behind a proxy ---------------------------------------

@pytest.fixture()
def upload_env(monkeypatch, tmp_path):
    """Where the hosts started after this (``hosts``) spool their uploads."""
    monkeypatch.setenv("INNOMAP_UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.mark.live
def test_a_job_on_one_host_is_followed_on_the_other(upload_env, hosts):  # noqa: F811
    import json
    import urllib.request

    from tests.test_import_live import multipart

    first, second = hosts
    body, content_type = multipart({"datum": "WGS84"}, "two-hosts.csv", carriers_csv(3000))
    request = urllib.request.Request(first + "/admin/import/large", data=body, method="POST",
                                     headers={"Content-Type": content_type, **AUTH})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202
        status_url = json.load(response)["status_url"]
    deadline = time.monotonic() + 60
    while True:
        request = urllib.request.Request(second + status_url, headers=AUTH)
        with urllib.request.urlopen(request, timeout=10) as response:
            job = json.load(response)
        if job["finished"]:
            break
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    assert job["state"] == "done" and job["rows_checked"] == job["rows_total"] == 3000
    deadline = time.monotonic() + 5
    while len(carrier_names(second)) != 100:  # a page of the 3,000, served by the other host
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert list(upload_env.iterdir()) == []


def test_a_large_metrics_table_is_a_job_too(shared):
    from tests.test_stream_import import metrics_csv
    from web.import_cli import cli_context
    from web.settings import from_environment

    data, keys = metrics_csv(cli_context(from_environment()))
    client = shared["first"].test_client()
    response = upload(client, data, name="values.csv", kind="metrics")
    assert response.status_code == 202, response.get_data(as_text=True)
    job, _ = until_finished(client, response.get_json()["status_url"])
    assert job["state"] == "done" and job["version"]["kind"] == "metrics", job
    assert job["rows_checked"] == job["rows_total"] == len(keys)
    served = client.get("/api/collections/imported-metrics/items?f=json&limit=1").get_json()
    assert served["numberMatched"] == len(keys)
