"""The service as `make serve` runs it: gunicorn, several workers, on loopback; and in
front of it nginx, started by scripts/serve.py."""

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from conftest import ROOT, _wait, free_port

pytestmark = pytest.mark.live


def test_live_index_and_health(live_url):
    with urllib.request.urlopen(live_url + "/") as r:
        assert r.status == 200 and "创新布局地图服务" in r.read().decode()
    with urllib.request.urlopen(live_url + "/healthz") as r:
        assert json.load(r)["status"] == "ok"


def test_live_404(live_url):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(live_url + "/nothing-here")
    err.value.close()
    assert err.value.code == 404


# `make serve` itself: scripts/serve.py, nginx (deploy/nginx.conf) in front of gunicorn.

@pytest.fixture(scope="module")
def front(sample_store, tmp_path_factory):
    """scripts/serve.py on a free loopback port: (url, the supervisor process)."""
    if shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin") is None:
        pytest.fail("nginx is missing: `make system-packages` (or `make nginx`) installs it")
    port = free_port()
    log = (tmp_path_factory.mktemp("front") / "serve.log").open("wb")
    proc = subprocess.Popen(  # its own run folder, as `make serve` has
        [sys.executable, "scripts/serve.py", "--port", str(port), "--workers", "2",
         "--threads", "4"], cwd=ROOT,
        env={**os.environ, "INNOMAP_STORE_URL": str(sample_store)}, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, proc, seconds=120)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=60)
        log.close()


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers), err.read().decode()


def test_front_serves_the_app_with_its_headers(front):
    status, headers, body = _get(front[0] + "/")
    assert status == 200 and "创新布局地图服务" in body
    assert headers["Server"] == "nginx"  # through the front, not gunicorn directly
    assert "nonce-" in headers["Content-Security-Policy"]  # the app's own header


def test_front_errors_carry_security_headers(front):
    """A request line over 8 KB never reaches gunicorn: nginx answers 414 in Chinese,
    with the same kind of headers as the app's pages."""
    status, headers, body = _get(front[0] + "/maps/" + "9" * 9000)
    assert status == 414
    assert "请求未能完成（414）" in body and 'lang="zh-CN"' in body
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


def test_front_holds_slow_clients_while_probes_are_answered(front):
    """60 slow-loris sockets and 10 slow readers (1 byte/s) for 10 s, more than the
    server's 8 threads: every probe (every 2 s, three pages) answers 200."""
    port = front[0].rsplit(":", 1)[1]
    _get(front[0] + "/maps/320000")  # the slow readers' page, rendered once beforehand
    out = subprocess.run(
        [sys.executable, "scripts/slow_clients.py", "--port", port, "--loris", "60",
         "--readers", "10", "--seconds", "10", "--probe-timeout", "5"], cwd=ROOT,
        capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(out.stdout)
    assert result["attack_connections"] >= 70
    assert result["probes"] >= 9 and result["failed"] == 0, result["failures"]


def test_front_limits_heavy_work_per_client_whatever_it_claims(front):
    """`make serve` turns the limits on and counts the client nginx saw, not the
    X-Forwarded-For it sends: 30 reports a minute from one address meet 429s (2 workers
    × 10 per minute at most are allowed)."""
    answers = []
    for i in range(30):
        request = urllib.request.Request(front[0] + "/regions/341300/report.xlsx",
                                         headers={"X-Forwarded-For": f"10.9.0.{i}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                answers.append((r.status, None))
        except urllib.error.HTTPError as err:
            with err:
                answers.append((err.code, err.headers.get("Retry-After")))
    statuses = [status for status, _ in answers]
    assert set(statuses) == {200, 429} and statuses.count(200) <= 20
    assert all(int(wait) >= 1 for status, wait in answers if status == 429)


def test_front_stops_with_gunicorn(front):
    """SIGTERM to the supervisor stops nginx and gunicorn: the port is closed after."""
    url, proc = front
    proc.terminate()
    assert proc.wait(timeout=60) == 0
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/healthz", timeout=2)


def test_the_production_front_sketch_is_a_valid_nginx_configuration(tmp_path):
    """deploy/nginx-production.conf with deploy/innomap-proxy.conf beside it, as the README
    lays them out (TLS left out: there is no certificate here), passes `nginx -t`."""
    nginx = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin")
    deploy = ROOT / "deploy"
    shutil.copy(deploy / "innomap-proxy.conf", tmp_path)
    sketch = (deploy / "nginx-production.conf").read_text(encoding="utf-8")
    assert "listen 443 ssl;" in sketch
    (tmp_path / "production.conf").write_text(
        sketch.replace("listen 443 ssl;", "listen 127.0.0.1:8443;"), encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        "pid nginx.pid;\nevents {}\nhttp {\n    include production.conf;\n}\n", encoding="utf-8")
    checked = subprocess.run([nginx, "-t", "-e", "stderr", "-p", str(tmp_path), "-c",
                              str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
