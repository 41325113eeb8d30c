"""Clear answers on faults: a full disk is a 507 saying so, and the store is unchanged."""

import errno
import io
import sqlite3

import pytest
from conftest import ADMIN_TOKEN
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from store.sql import SQLStore
from web import auth, create_app
from web.errors import disk_full

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "application/json"}
METRICS = "地区,年份,研发投入强度(%)\n沭阳县,2023,2.5\n泗阳县,2023,2.1\n".encode()
CARRIERS = ("名称,类型,地址,经度,纬度\n" + "".join(
    f"企业{i},enterprise,,118.{i:04d},34.1\n" for i in range(2000))).encode()


@pytest.fixture(scope="module")
def fault_app(tmp_path_factory):
    base = tmp_path_factory.mktemp("faults")
    return create_app({"testing": True, "store_url": str(base / "store.gpkg"),
                       "admin_tokens": f"tester:{ADMIN_TOKEN}", "upload_dir": str(base / "up"),
                       "export_cache_dir": str(base / "exports"),
                       "documents_dir": str(base / "documents")})


def _full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _versions(client) -> list:
    return client.get("/data/versions", headers=AUTH).get_json()


def test_a_small_import_on_a_full_disk_is_507_and_changes_nothing(fault_app, monkeypatch):
    client = fault_app.test_client()
    assert client.post("/admin/import", headers=AUTH, data={
        "file": (io.BytesIO(METRICS), "first.csv"), "kind": "metrics",
        "commit": "1"}).status_code == 201
    before = _versions(client)
    written = []
    original = SQLStore._insert_rows

    def insert_then_fill_up(self, cur, *args, **kwargs):
        original(self, cur, *args, **kwargs)  # the rows went in, then the disk filled up
        written.append(True)
        _full()

    monkeypatch.setattr(SQLStore, "_insert_rows", insert_then_fill_up)
    response = client.post("/admin/import", headers=AUTH, data={
        "file": (io.BytesIO(METRICS.replace(b"2.5", b"2.7")), "second.csv"),
        "kind": "metrics", "commit": "1"})
    assert written and response.status_code == 507
    assert response.get_json()["code"] == "InsufficientStorage"
    assert "磁盘已满" in response.get_json()["description"]
    monkeypatch.undo()
    assert _versions(client) == before


def test_the_page_says_so_in_chinese(fault_app, monkeypatch):
    monkeypatch.setattr(SQLStore, "stage", _full)
    response = fault_app.test_client().post(
        "/admin/import", headers={"Authorization": AUTH["Authorization"],
                                  "Accept": "text/html"},
        data={"file": (io.BytesIO(METRICS), "x.csv"), "kind": "metrics"})
    assert response.status_code == 507
    page = response.get_data(as_text=True)
    assert "磁盘已满" in page and "<html" in page.lower()


class _FullDiskFile(io.BufferedRandom):
    """A spool file on a disk that fills up after the first 64 KB."""

    def __init__(self):
        super().__init__(io.BytesIO())
        self.budget = 64 * 1024

    def write(self, data):
        self.budget -= len(data)
        if self.budget < 0:
            _full()
        return super().write(data)


def test_a_spooled_large_upload_on_a_full_disk_is_507_and_starts_no_job(fault_app,
                                                                       monkeypatch):
    client = fault_app.test_client()
    before = _versions(client)
    monkeypatch.setattr(auth.SpoolingRequest, "_get_file_stream",
                        lambda self, *a, **k: _FullDiskFile())
    fields = {"datum": "WGS84", "file": FileStorage(io.BytesIO(CARRIERS), filename="big.csv",
                                                     content_type="text/csv")}
    boundary, body = encode_multipart(fields)
    response = client.post("/admin/import/large", headers=AUTH, data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert len(body) > 64 * 1024
    assert response.status_code == 507
    assert "磁盘已满" in response.get_json()["description"]
    assert "Location" not in response.headers  # no job page: no job
    monkeypatch.undo()
    assert _versions(client) == before


def test_disk_full_is_told_from_other_errors():
    assert disk_full(OSError(errno.ENOSPC, "full"))
    assert disk_full(OSError(errno.EDQUOT, "quota"))
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13
    try:
        try:
            raise full
        except sqlite3.OperationalError as exc:
            raise RuntimeError("the store failed") from exc
    except RuntimeError as wrapped:
        assert disk_full(wrapped)
    assert not disk_full(OSError(errno.EACCES, "denied"))
    assert not disk_full(ValueError("full"))
    assert not disk_full(None)
