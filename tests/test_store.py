"""The store contract, run against SQLite/GeoPackage and a real PostgreSQL + PostGIS."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from store import RollbackConflict, StoreError, VersionNotFound, open_store

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def metrics(values: dict[str, float], year: int = 2023) -> pd.DataFrame:
    return pd.DataFrame({"region_adcode": list(values), "indicator_id": "rd_intensity",
                         "year": year, "value": list(values.values()), "unit": "%",
                         "source": [f"m.csv 第 {i + 2} 行" for i in range(len(values))]})


def carriers(names: list[str]) -> pd.DataFrame:
    n = len(names)
    return pd.DataFrame({"name": names, "type": "enterprise", "address": None,
                         "lon": [118.70 + 0.01 * i for i in range(n)], "lat": 34.1,
                         "datum": "GCJ-02", "province_adcode": "320000", "city_adcode": "321300",
                         "county_adcode": "321322", "precision": "site",
                         "source": [f"c.csv 第 {i + 2} 行" for i in range(n)]})


def values(store, version=None) -> dict[str, float]:
    rows = store.rows("metrics", version)
    return dict(zip(rows["region_adcode"], rows["value"]))


def _run_as_postgres(args, **kwargs):
    return subprocess.run(["runuser", "-u", "postgres", "--", *map(str, args)], check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL cluster on a unix socket, run by the postgres system user."""
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        pytest.skip(f"PostgreSQL binaries not found in {PG_BIN} "
                    "(installed by scripts/install_system_packages.sh)")
    if not Path("/usr/share/postgresql/15/extension/postgis.control").exists():
        pytest.skip("PostGIS extension not installed (Debian package postgresql-postgis)")
    # pytest's tmp dirs are private to root; the server's user needs its own directory.
    base = Path(tempfile.mkdtemp(prefix="innomap-pg-"))
    try:
        shutil.chown(base, "postgres")
        data = base / "data"
        _run_as_postgres([PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres",
                          "--no-sync", "-E", "UTF8"])
        _run_as_postgres([PG_BIN / "pg_ctl", "-D", data, "-w", "-l", base / "log", "start", "-o",
                          f"-c listen_addresses='' -c unix_socket_directories={base} -c fsync=off"])
        try:
            yield f"postgresql:///postgres?host={base}&user=postgres"
        finally:
            _run_as_postgres([PG_BIN / "pg_ctl", "-D", data, "-m", "immediate", "stop"])
    finally:
        shutil.rmtree(base, ignore_errors=True)


def emptied(url: str) -> str:
    """``url`` after dropping everything in its database's public schema."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """An empty store, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return open_store(tmp_path / "store.gpkg")
    return open_store(emptied(request.getfixturevalue("postgres_url")))


def test_empty_store(store):
    assert store.latest_version_id() == 0
    assert store.versions() == []
    assert store.rows("metrics").empty and store.rows("carriers").empty


def test_import_records_who_when_what(store):
    version = store.add_import("metrics", metrics({"321322": 1.8, "321302": 2.1}), user="alice",
                               filename="m.csv", sha256="ab" * 32, note="2023 年统计")
    assert (version.id, version.action, version.kind, version.user, version.filename,
            version.row_count, version.note) == (1, "import", "metrics", "alice", "m.csv", 2,
                                                 "2023 年统计")
    assert version.created_at.endswith("+00:00")
    assert store.latest_version_id() == 1
    assert values(store) == {"321302": 2.1, "321322": 1.8}


def test_later_import_overrides_same_key_and_any_version_is_readable(store):
    store.add_import("metrics", metrics({"321322": 1.8, "321302": 2.1}), user="a",
                     filename="a.csv", sha256="a")
    store.add_import("metrics", metrics({"321322": 9.9}), user="b", filename="b.csv", sha256="b")
    latest = store.rows("metrics")
    assert dict(zip(latest["region_adcode"], latest["version"])) == {"321302": 1, "321322": 2}
    assert values(store) == {"321302": 2.1, "321322": 9.9}
    assert values(store, 1) == {"321302": 2.1, "321322": 1.8}
    with pytest.raises(VersionNotFound):
        store.rows("metrics", 7)


def test_rollback_restores_previous_values_and_is_recorded(store):
    store.add_import("metrics", metrics({"321322": 1.8}), user="a", filename="a.csv", sha256="a")
    store.add_import("metrics", metrics({"321322": 9.9, "321324": 3.0}), user="b",
                     filename="b.csv", sha256="b")
    undo = store.rollback(2, user="c", note="数据有误")
    assert (undo.id, undo.action, undo.target, undo.user) == (3, "rollback", 2, "c")
    assert values(store) == {"321322": 1.8}
    assert values(store, 2) == {"321322": 9.9, "321324": 3.0}
    assert [v.rolled_back_by for v in store.versions()] == [None, 3, None]
    with pytest.raises(RollbackConflict, match="已由版本 3 撤销"):
        store.rollback(2, user="c")
    with pytest.raises(RollbackConflict):
        store.rollback(3, user="c")
    with pytest.raises(VersionNotFound):
        store.rollback(42, user="c")
    assert store.latest_version_id() == 3


def test_kinds_are_independent(store):
    store.add_import("carriers", carriers(["甲公司", "乙研究院"]), user="a", filename="c.csv",
                     sha256="c")
    store.add_import("metrics", metrics({"321322": 1.0}), user="a", filename="m.csv", sha256="m")
    assert sorted(store.rows("carriers")["name"]) == ["乙研究院", "甲公司"]
    store.rollback(2, user="a")
    assert len(store.rows("carriers")) == 2 and store.rows("metrics").empty


def test_bad_rows_write_nothing(store):
    with pytest.raises(StoreError):
        store.add_import("metrics", metrics({}), user="a", filename="e.csv", sha256="e")
    with pytest.raises(StoreError):
        store.add_import("metrics", metrics({"321322": 1}).drop(columns="unit"), user="a",
                         filename="e.csv", sha256="e")
    broken = metrics({"321322": 1.0, "321302": 2.0})
    broken.loc[1, "region_adcode"] = None  # NOT NULL fails on the second row, mid-transaction
    with pytest.raises(Exception):  # noqa: B017 - SQLite and PostgreSQL raise their own kinds
        store.add_import("metrics", broken, user="a", filename="e.csv", sha256="e")
    assert store.latest_version_id() == 0 and store.rows("metrics").empty


def test_staging_round_trip(store):
    token = store.stage(b"\xef\xbb\xbfregion", {"filename": "x.csv", "user": "alice"})
    assert store.staged(token) == (b"\xef\xbb\xbfregion", {"filename": "x.csv", "user": "alice"})
    store.drop_staged(token)
    with pytest.raises(StoreError):
        store.staged(token)


def test_sqlite_store_is_a_geopackage_in_wal_mode(tmp_path):
    path = tmp_path / "store.gpkg"
    store = open_store(f"sqlite:///{path}")
    store.add_import("carriers", carriers(["甲公司", "乙研究院"]), user="a", filename="c.csv",
                     sha256="c")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    gdf = gpd.read_file(path, layer="carrier_rows")
    assert gdf.crs.to_epsg() == 4326
    assert sorted(zip(gdf["name"], gdf.geometry.x.round(2))) == [("乙研究院", 118.71),
                                                                  ("甲公司", 118.70)]


def test_postgis_geometry_column(postgres_url):
    import psycopg

    emptied(postgres_url)
    store = open_store(postgres_url)
    store.add_import("carriers", carriers(["甲公司"]), user="a", filename="c.csv", sha256="c")
    with psycopg.connect(postgres_url) as conn:
        srid, text = conn.execute(
            "SELECT ST_SRID(geom), ST_AsText(geom) FROM carrier_rows").fetchone()
    assert (srid, text) == (4326, "POINT(118.7 34.1)")


def test_unsupported_url():
    with pytest.raises(StoreError, match="unsupported store URL"):
        open_store("mysql://localhost/x")


def test_postgres_unreachable_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="cannot connect"):
        open_store(f"postgresql:///x?host={tmp_path}&user=nobody")


def test_sign_out_generations_are_per_user_and_shared(store):
    assert store.session_generation("alice") == 0
    assert store.revoke_sessions("alice") == 1
    assert store.revoke_sessions("alice") == 2
    assert store.session_generation("alice") == 2
    assert store.session_generation("bob") == 0
    assert open_store(store.url).session_generation("alice") == 2  # another process sees it


def test_each_user_keeps_a_bounded_number_of_staged_uploads(store):
    mine = [store.stage(b"x%d" % i, {"user": "wang"}, keep_per_user=3) for i in range(5)]
    other = store.stage(b"y", {"user": "li"}, keep_per_user=3)
    kept = []
    for token in mine:
        try:
            kept.append(store.staged(token)[0])
        except StoreError:
            pass
    assert kept == [b"x2", b"x3", b"x4"]
    assert store.staged(other)[0] == b"y"


@pytest.mark.parametrize("version", [2**63, 2**64, -1])
def test_impossible_version_ids_are_not_found_before_the_database(store, version):
    with pytest.raises(VersionNotFound):
        store.version(version)
    with pytest.raises(VersionNotFound):
        store.rollback(version, user="x")
    with pytest.raises(VersionNotFound):
        store.rows("metrics", version)


def test_current_carriers_follow_imports_and_rollbacks(store):
    from store.current import CarrierQuery

    store.add_import("carriers", carriers(["b", "a", "c"]), user="u", filename="1.csv",
                     sha256="1")
    newer = store.add_import("carriers", carriers(["a", "d"]), user="u", filename="2.csv",
                             sha256="2")
    page, matched = store.current_page(CarrierQuery(limit=10))
    assert matched == 4 and list(page["name"]) == ["a", "b", "c", "d"]
    assert page.set_index("name").loc["a", "feature_id"] == f"c{newer.id}-0"
    near = CarrierQuery(bbox=(118.705, 34.0, 118.715, 35.0))  # the second row of a file
    assert list(store.current_page(near)[0]["name"]) == ["d"]
    store.rollback(newer.id, user="u")
    assert list(store.current_page(CarrierQuery(limit=10))[0]["name"]) == ["a", "b", "c"]
    assert list(store.current_page(near)[0]["name"]) == ["a"]
    assert store.current_counts().to_dict("records") == [{"county_adcode": "321322",
                                                          "count": 3}]


def test_one_current_carrier_by_its_id(store):
    from store.current import CarrierQuery

    first = store.add_import("carriers", carriers(["b", "a", "c"]), user="u", filename="1.csv",
                             sha256="1")
    newer = store.add_import("carriers", carriers(["a"]), user="u", filename="2.csv",
                             sha256="2")
    for fid, name in ((f"c{first.id}-0", "b"), (f"c{newer.id}-0", "a")):
        columns, rows, matched, more = store.current_rows(
            CarrierQuery(filters=(("feature_id", fid),), limit=1), 10)
        assert [dict(zip(columns, row))["name"] for row in rows] == [name]
        assert (matched, more) == (1, False)
    for gone in (f"c{first.id}-1", "c9-9", ""):  # replaced by the newer import; never was
        assert store.current_rows(CarrierQuery(filters=(("feature_id", gone),), limit=1),
                                  10)[1:] == ([], 0, False)
