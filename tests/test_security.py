"""Security basics: headers and CSP nonces, redirects, session revocation, throttling,
token strength, preview caps, out-of-range integers."""

from __future__ import annotations

import io
import re
import secrets

import pytest
from conftest import ADMIN_TOKEN

from web import auth, create_app
from web.throttle import FailureThrottle

JSON = {"Accept": "application/json"}
BEARER = {**JSON, "Authorization": f"Bearer {ADMIN_TOKEN}"}
CSV = "地区,年份,rd_intensity\n沭阳县,2023,2.1\n".encode()


@pytest.fixture(scope="module")
def sec_app(tmp_path_factory):
    store = tmp_path_factory.mktemp("security-store") / "innomap.gpkg"
    return create_app({"testing": True, "store_url": str(store),
                       "admin_tokens": f"tester:{ADMIN_TOKEN}", "import_max_previews": 2})


def _client(app, address: str):
    """A test client that comes from ``address`` (the throttle counts per client)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _csrf(client, url="/admin/login") -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _login(client, next_url="") -> object:
    return client.post("/admin/login", data={"token": ADMIN_TOKEN, "csrf_token": _csrf(client),
                                             "next": next_url})


# -- headers ----------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/healthz", "/maps/320700", "/api/", "/api/openapi",
                                 "/api/collections/entities/items?limit=1",
                                 "/api/collections/entities/items?f=html&limit=1",
                                 "/admin/login", "/no/such/page", "/data/versions"])
def test_every_response_carries_the_security_headers(sec_app, url):
    response = _client(sec_app, "10.1.0.1").get(url)
    assert response.status_code < 500
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    admin = url.startswith("/admin")
    assert response.headers["Referrer-Policy"] == (
        "no-referrer" if admin else "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        policy = response.headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]+)", policy).group(1)
        assert "unsafe-inline" not in script_src and "'nonce-" in script_src
        assert "object-src 'none'" in policy
        assert ("frame-ancestors 'none'" in policy) == admin
    if admin:
        assert response.headers["X-Frame-Options"] == "DENY"


def test_every_inline_script_of_a_map_page_carries_this_responses_nonce(sec_app):
    client = _client(sec_app, "10.1.0.2")
    nonces = []
    # Two renders: a replay of the same cached page keeps the nonce it was made with
    # (its body cannot change without a new render), a new page gets a new one.
    for url in ("/maps/320700", "/maps/320700?k=4"):
        response = client.get(url)
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
        tags = re.findall(r"<script[^>]*>", response.get_data(as_text=True))
        inline = [t for t in tags if "src=" not in t]
        assert len(inline) >= 2  # Folium's header script and the map script
        assert all(f'nonce="{nonce}"' in t for t in inline), tags
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16


def test_the_session_cookie_is_secure_when_served_over_https(tmp_path):
    app = create_app({"testing": True, "store_url": str(tmp_path / "s.gpkg"),
                      "admin_tokens": f"tester:{ADMIN_TOKEN}", "secure_cookies": True,
                      "session_lifetime_minutes": 30})
    client = _client(app, "10.1.0.3")
    response = _login(client)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert re.search(r"Max-Age=1800\b", cookie) or "Expires=" in cookie


# -- redirects and public 500s ----------------------------------------------------------

@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r\n/x",
                                    "//evil.example", "/\\evil.example", "https://evil.example/",
                                    "/\u2028/evil.example", "/ /evil.example"])
def test_login_never_redirects_off_site_nor_fails(sec_app, target):
    client = _client(sec_app, "10.1.1.1")
    response = _login(client, target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"
    page = client.get("/admin/login", query_string={"next": target})
    assert page.status_code == 200


def test_login_keeps_a_same_site_next(sec_app):
    response = _login(_client(sec_app, "10.1.1.2"), "/admin/?done=3")
    assert response.headers["Location"] == "/admin/?done=3"


@pytest.mark.parametrize("version, status", [("18446744073709551616", 404), ("9" * 5000, 404),
                                             ("٣", 400), ("３", 400), ("-1", 400)])
def test_data_versions_out_of_range_are_client_errors(sec_app, version, status):
    response = _client(sec_app, "10.1.2.1").get(f"/data/metrics.csv?version={version}",
                                                headers=JSON)
    assert response.status_code == status


@pytest.mark.parametrize("version", ["9223372036854775808", "18446744073709551616", "9" * 400])
def test_rollback_of_an_impossible_version_is_not_found(sec_app, version):
    response = _client(sec_app, "10.1.2.2").post(f"/admin/versions/{version}/rollback",
                                                 headers=BEARER)
    assert response.status_code == 404


# -- sessions ---------------------------------------------------------------------------

def test_a_cookie_replayed_after_logout_is_refused(sec_app):
    client = _client(sec_app, "10.1.3.1")
    assert _login(client).status_code == 303
    cookie = client.get_cookie("session").value
    csrf = _csrf(client, "/admin/")
    assert client.get("/admin/").status_code == 200
    assert client.post("/admin/logout", data={"csrf_token": csrf}).status_code == 303

    replay = _client(sec_app, "10.1.3.1")
    replay.set_cookie("session", cookie)
    assert replay.get("/admin/").status_code == 303  # back to the login page
    response = replay.post("/admin/import", headers=JSON, data={
        "csrf_token": csrf, "kind": "metrics", "file": (io.BytesIO(CSV), "a.csv")})
    assert response.status_code == 401
    again = _client(sec_app, "10.1.3.1")
    assert _login(again).status_code == 303 and again.get("/admin/").status_code == 200


# -- guessing ---------------------------------------------------------------------------

def test_a_repeated_wrong_login_is_locked_out_and_the_right_token_still_works(sec_app):
    client = _client(sec_app, "10.2.0.1")
    csrf = _csrf(client)
    statuses = [client.post("/admin/login", data={"token": "wrong-token-0000000000",
                                                  "csrf_token": csrf}).status_code
                for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    locked = client.post("/admin/login", data={"token": "wrong-token-0000000000",
                                               "csrf_token": csrf})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert "次数过多" in locked.get_data(as_text=True)
    # a colleague behind the same address (one NAT) signs in with the right token
    assert _login(_client(sec_app, "10.2.0.1")).status_code == 303
    assert _login(_client(sec_app, "10.2.0.2")).status_code == 303


def test_a_repeated_wrong_bearer_token_is_locked_out_and_the_right_one_works(sec_app):
    client = _client(sec_app, "10.2.1.1")
    wrong = {**JSON, "Authorization": "Bearer not-the-token-0000000000"}
    statuses = [client.post("/admin/versions/1/rollback", headers=wrong).status_code
                for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    response = client.post("/admin/versions/1/rollback", headers=wrong)
    assert response.status_code == 429 and response.get_json()["code"] == "TooManyRequests"
    assert int(response.headers["Retry-After"]) >= 1
    right = client.post("/admin/versions/1/rollback", headers=BEARER)
    assert right.status_code not in (401, 429)  # the token was taken; the version's own answer


def test_the_lock_out_doubles_and_ends():
    now = [0.0]
    throttle = FailureThrottle(free=2, base_delay=1, max_delay=8, window=100,
                               clock=lambda: now[0])
    assert [throttle.failed("a") for _ in range(2)] == [0, 1]
    assert [throttle.failed("a") for _ in range(4)] == [2, 4, 8, 8]
    assert throttle.retry_after("b") == 0
    now[0] += 8
    assert throttle.retry_after("a") == 0
    throttle.succeeded("a")
    assert throttle.failed("a") == 0


@pytest.mark.parametrize("token", ["a" * 40, "abcdefghijklmnop", "0123456789" * 2,
                                   "abababababababababababab"])
def test_weak_tokens_are_refused(token):
    with pytest.raises(ValueError, match="too weak"):
        auth.parse_tokens(f"ops:{token}")


def test_generated_tokens_are_accepted():
    for token in (secrets.token_urlsafe(32), secrets.token_hex(16), ADMIN_TOKEN):
        assert auth.parse_tokens(f"ops:{token}") == {token: "ops"}


# -- previews ---------------------------------------------------------------------------

def test_previews_beyond_the_setting_are_dropped(sec_app):
    client = _client(sec_app, "10.3.0.1")
    tokens = []
    for _ in range(3):
        response = client.post("/admin/import", headers=BEARER, data={
            "kind": "metrics", "file": (io.BytesIO(CSV), "a.csv")})
        assert response.status_code == 200, response.get_json()
        tokens.append(response.get_json()["token"])
    first = client.post(f"/admin/import/{tokens[0]}/confirm", headers=BEARER)
    assert first.status_code == 404
    last = client.post(f"/admin/import/{tokens[-1]}/confirm", headers=BEARER)
    assert last.status_code == 201


def test_behind_a_trusted_proxy_the_forwarded_client_is_throttled(tmp_path):
    app = create_app({"testing": True, "store_url": str(tmp_path / "s.gpkg"),
                      "admin_tokens": f"tester:{ADMIN_TOKEN}", "trusted_proxies": 1})
    proxy = _client(app, "10.4.0.1")  # every request comes from the proxy's address
    csrf = _csrf(proxy)

    def attempt(client_address: str) -> int:
        return proxy.post("/admin/login", data={"token": "wrong", "csrf_token": csrf},
                          headers={"X-Forwarded-For": client_address}).status_code

    assert [attempt("192.0.2.7") for _ in range(6)] == [401] * 5 + [429]
    assert attempt("192.0.2.8") == 401
