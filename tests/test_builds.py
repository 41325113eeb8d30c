"""One build per distinct document at a time, kept per data generation (web/builds.py)."""

import multiprocessing
import threading
import warnings
from types import SimpleNamespace

import pytest

from web import create_app, regions
from web.builds import BuildBusy, Builds, builds


@pytest.fixture(scope="module")
def report_app(sample_store, tmp_path_factory):
    """An app of its own, with an empty export cache (so nothing was built before)."""
    return create_app({"testing": True, "store_url": str(sample_store),
                       "export_cache_dir": str(tmp_path_factory.mktemp("exports")),
                       "documents_dir": str(tmp_path_factory.mktemp("documents"))})


def test_eight_clients_asking_for_one_report_get_it_built_once(report_app, monkeypatch):
    calls = []
    original = regions._report_bytes

    def counted(ctx):
        calls.append(ctx["adcode"])
        return original(ctx)

    monkeypatch.setattr(regions, "_report_bytes", counted)
    bodies, probes, done = [], [], threading.Event()

    def ask():
        response = report_app.test_client().get("/regions/341300/report.pdf")
        bodies.append((response.status_code, response.data))

    def probe():  # a normal visitor while the report is being built, every 0.1 s
        client = report_app.test_client()
        while not done.is_set():
            probes.append(client.get("/healthz").status_code)
            done.wait(0.1)

    prober = threading.Thread(target=probe)
    prober.start()
    askers = [threading.Thread(target=ask) for _ in range(8)]
    for thread in askers:
        thread.start()
    for thread in askers:
        thread.join()
    done.set()
    prober.join()
    assert calls == ["341300"]
    assert len(bodies) == 8 and {status for status, _ in bodies} == {200}
    assert len({body for _, body in bodies}) == 1 and bodies[0][1].startswith(b"%PDF")
    assert probes and set(probes) == {200}


def test_a_report_is_built_again_for_new_data_only(report_app, monkeypatch):
    calls = []
    monkeypatch.setattr(regions, "_report_bytes", lambda ctx: calls.append(1) or b"%PDF-x")
    client = report_app.test_client()
    first = client.get("/regions/320700/report.pdf").data
    assert client.get("/regions/320700/report.pdf").data == first and len(calls) == 1
    catalog = report_app.extensions["innomap"].catalog
    monkeypatch.setattr(catalog, "data_identity", lambda: "other data")
    monkeypatch.setattr(catalog, "generation", catalog.generation + 1000)
    client.get("/regions/320700/report.pdf")
    assert len(calls) == 2


def test_the_xlsx_report_is_kept_too(report_app):
    client = report_app.test_client()
    first = client.get("/regions/341300/report.xlsx")
    assert first.status_code == 200 and first.data[:2] == b"PK"
    count = builds(report_app).count
    assert client.get("/regions/341300/report.xlsx").data == first.data
    assert builds(report_app).count == count


def _build_in_a_worker(directory, out):
    """A second worker process of the same host asking for the same document."""
    work = Builds(directory, wait_s=30)
    catalog = SimpleNamespace(generation=0, data_identity=lambda: "data")

    def make():
        with open(out, "a") as f:
            f.write("built\n")
        return b"document"

    assert work.get(("report.pdf", "x"), catalog, make) == b"document"


def test_workers_of_a_host_share_one_build(tmp_path):
    out = tmp_path / "builds.txt"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_build_in_a_worker, args=(tmp_path / "docs", out))
               for _ in range(4)]
    with warnings.catch_warnings():  # Python 3.12+ warns on fork with threads alive;
        warnings.simplefilter("ignore", DeprecationWarning)  # the children only build
        for worker in workers:
            worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert out.read_text() == "built\n"


def test_a_request_waiting_too_long_for_a_build_gets_503(tmp_path):
    work = Builds(tmp_path, wait_s=0.2)
    catalog = SimpleNamespace(generation=0, data_identity=lambda: "data")
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(10)
        return b"done"

    builder = threading.Thread(target=lambda: work.get(("k",), catalog, slow))
    builder.start()
    started.wait(10)
    with pytest.raises(BuildBusy) as busy:
        work.get(("k",), catalog, lambda: b"second build")
    release.set()
    builder.join()
    assert busy.value.http_status == 503 and busy.value.retry_after >= 1
    assert "正在生成" in busy.value.description
    assert work.get(("k",), catalog, lambda: b"second build") == b"done"


def test_concurrent_requests_for_one_export_render_it_once(report_app, monkeypatch):
    from web import export

    calls = []
    original = export.render_export

    def counted(maps, req, font):
        calls.append(req.key)
        return original(maps, req, font)

    monkeypatch.setattr(export, "render_export", counted)
    statuses = []

    def ask():
        response = report_app.test_client().get("/export/321300.png?dpi=72&title=同一张图")
        statuses.append((response.status_code, response.data[:8]))

    askers = [threading.Thread(target=ask) for _ in range(4)]
    for thread in askers:
        thread.start()
    for thread in askers:
        thread.join()
    assert len(calls) == 1
    assert statuses == [(200, b"\x89PNG\r\n\x1a\n")] * 4
