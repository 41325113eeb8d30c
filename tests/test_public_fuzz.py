"""Every public route, fuzzed in its path and query parameters: no response is a 5xx.

Values mix valid choices with what broke the service before: numbers past float and
int64 range, non-finite numbers, full-width and Arabic-Indic digits, digit
separators, control characters, path traversal, markup. The feature items are
fuzzed against their schema in test_api_fuzz.py; here every other surface is.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from conftest import ADMIN_TOKEN
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HOSTILE = ["", " ", "0", "-1", "1e308", "-1e308", "1e999", "nan", "inf", "-inf",
           "18446744073709551616", "9223372036854775808", "9" * 400, "١٢", "２０２５", "1_5",
           "\x00", "\r\n", "/\t/evil.example", "//evil.example", "../../etc/passwd", "<script>",
           "'\"", "𝟙", "-1e308,1e308", "1,2,3", "1,nan", "," * 50, "%", "\u202e", "\u2028"]
hostile = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=16),
                    st.integers().map(str), st.floats().map(repr))

MAP_CHOICES = {
    "indicator": ["rd_intensity", "carriers.total", "imported.rd_intensity", "targets"],
    "kind": ["baseline", "target", "gap", "cagr"], "year": ["2025", "2023", "2031"],
    "scheme": ["quantiles", "natural_breaks", "equal_interval", "user_defined"],
    "k": ["5", "2", "9"], "level": ["county", "city"],
    "breaks": ["1,2,5", "0.5,3", "-1e308,1e308", "1e-300,2e-300", "0,1e308"],
}
EXPORT_CHOICES = {**MAP_CHOICES, "size": ["A4", "A3"], "orientation": ["portrait", "landscape"],
                  "dpi": ["72"]}
API_CHOICES = {"f": ["json", "html"], "limit": ["1", "10"], "offset": ["0"],
               "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]}


def choice(valid: list[str]):
    return st.one_of(st.sampled_from(valid), hostile)


def query(choices: dict[str, list[str]], size: int = 4):
    """Some of the route's parameters (valid or hostile values) and maybe an unknown one."""
    names = sorted(choices) + ["junk"]
    return st.dictionaries(st.sampled_from(names), st.just(None), max_size=size).flatmap(
        lambda keys: st.fixed_dictionaries(
            {k: choice(choices.get(k, ["x"])) for k in keys}))


def segment(valid: list[str]):
    """A path segment, percent-encoded as a client sends it: valid or hostile, never empty."""
    return choice(valid).map(lambda s: quote(s, safe="") or "_")


ROUTES = {
    "index": (st.just("/"), query({"f": ["json", "html"]}), 40),
    "healthz": (st.just("/healthz"), query({}), 20),
    "region map": (segment(["320000", "320700", "341300", "321300"]).map(lambda a: f"/maps/{a}"),
                   query(MAP_CHOICES), 60),
    "corridor map": (segment(["lyg-hgs-corridor", "js-g60"]).map(lambda c: f"/maps/corridor/{c}"),
                     query(MAP_CHOICES), 15),
    "region export": (st.tuples(segment(["320700", "341300"]), segment(["png", "svg", "pdf"]))
                      .map(lambda p: f"/export/{p[0]}.{p[1]}"), query(EXPORT_CHOICES, 3), 8),
    "corridor export": (st.tuples(segment(["lyg-hgs-corridor"]), segment(["png", "svg"]))
                        .map(lambda p: f"/export/corridor/{p[0]}.{p[1]}"),
                        query(EXPORT_CHOICES, 3), 5),
    "api pages": (st.sampled_from(["/api/", "/api/collections", "/api/conformance",
                                   "/api/openapi"]), query(API_CHOICES), 40),
    "api collection": (st.tuples(segment(["entities", "boundaries-county", "targets"]),
                                 st.sampled_from(["", "/queryables", "/items/320703"]))
                       .map(lambda p: f"/api/collections/{p[0]}{p[1]}"), query(API_CHOICES), 40),
    "data": (st.tuples(segment(["metrics", "carriers"]), segment(["csv", "geojson"]))
             .map(lambda p: f"/data/{p[0]}.{p[1]}"), query({"version": ["1", "2", "0"]}), 60),
    "data versions": (st.just("/data/versions"), query({}), 10),
    "vendor": (st.tuples(segment(["leaflet"]), segment(["1.9.3"]), segment(["leaflet.js"]))
               .map(lambda p: f"/vendor/{p[0]}/{p[1]}/{p[2]}"), query({}), 30),
    "static": (segment(["innomap-maps.js", "innomap-maps.css"])
               .map(lambda f: f"/static/maps/{f}"), query({}), 20),
    "login page": (st.just("/admin/login"), query({"next": ["/admin/", "/maps/320700"]}), 40),
}


# Requests that were 500s once; each route's fuzzing starts with them.
KNOWN = {
    "region map": [("/maps/320700", {"scheme": "user_defined", "breaks": "-1e308,1e308"})],
    "region export": [("/export/320700.png", {"scheme": "user_defined",
                                              "breaks": "-1e308,1e308", "dpi": "72"})],
    "data": [("/data/metrics.csv", {"version": "18446744073709551616"})],
    "login page": [("/admin/login", {"next": "/\r\n/evil.example"})],
}


def _status(client, path, params) -> tuple[int, bytes]:
    response = client.get(path, query_string=params)
    status, body = response.status_code, response.get_data()[:300]
    response.close()
    return status, body


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_no_public_route_answers_5xx(app, route):
    paths, queries, examples = ROUTES[route]
    client = app.test_client()
    for path, params in KNOWN.get(route, []):
        status, body = _status(client, path, params)
        assert status < 500, (path, params, body)

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(path=paths, params=queries)
    def check(path, params):
        status, body = _status(client, path, params)
        assert status < 500, (path, params, body)

    check()


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(next_url=choice(["/admin/", "/maps/320700?indicator=rd_intensity"]))
def test_signing_in_with_any_next_never_fails_nor_leaves_the_site(admin_app, next_url):
    client = admin_app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/admin/login", data={"token": ADMIN_TOKEN, "csrf_token": csrf,
                                                 "next": next_url})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert not re.search(r"[\x00-\x20\x7f]", location)
