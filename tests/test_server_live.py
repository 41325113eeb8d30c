"""The service as `make serve` runs it: gunicorn, several workers, on loopback."""

import json
import urllib.error
import urllib.request

import pytest

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
