"""Every write needs an authenticated user; forms need a CSRF token; reading is configurable."""

from __future__ import annotations

import io
import re

import pytest
from conftest import ADMIN_TOKEN
from flask import Flask

from store import open_store
from web import auth
from web.errors import register_error_handlers
from web.settings import Settings

SAFE = {"GET", "HEAD", "OPTIONS"}
WRITE_ENDPOINTS = {"admin.upload", "admin.confirm", "admin.rollback", "admin.logout"}


def example_url(rule) -> str:
    """A concrete URL for ``rule``: 1 for int converters, 'x' for the others."""
    values = {name: 1 if type(conv).__name__ == "IntegerConverter" else "x"
              for name, conv in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def write_rules(app):
    return [(rule, method) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - SAFE)]


def test_every_write_route_rejects_anonymous_requests(admin_app):
    client = admin_app.test_client()
    rules = write_rules(admin_app)
    assert WRITE_ENDPOINTS <= {rule.endpoint for rule, _ in rules}
    for rule, method in rules:
        url = example_url(rule)
        response = client.open(url, method=method, data={"kind": "metrics"},
                               headers={"Accept": "application/json"})
        view = admin_app.view_functions[rule.endpoint]
        expected = 403 if getattr(view, "public_write", False) else 401
        assert response.status_code == expected, (method, url, response.status_code)
        assert response.get_json()["code"] in ("Unauthorized", "Forbidden")


def test_wrong_token_is_anonymous(admin_app):
    client = admin_app.test_client()
    response = client.post("/admin/versions/1/rollback",
                           headers={"Authorization": "Bearer not-the-token-0000000000",
                                    "Accept": "application/json"})
    assert response.status_code == 401


def _login(client) -> str:
    page = client.get("/admin/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/admin/login", data={"token": ADMIN_TOKEN, "csrf_token": csrf,
                                                 "next": "//evil.example/"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/"
    page = client.get("/admin/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_login_session_needs_csrf_token_for_writes(admin_app):
    client = admin_app.test_client()
    csrf = _login(client)
    body = "地区,年份,研发投入强度(%)\n灌云县,2023,1.1\n".encode()

    def post(**extra):
        return client.post("/admin/import", data={"file": (io.BytesIO(body), "a.csv"),
                                                  "kind": "metrics", **extra})

    assert post().status_code == 403
    assert post(csrf_token="forged").status_code == 403
    preview = post(csrf_token=csrf)
    assert preview.status_code == 200 and "确认导入" in preview.get_data(as_text=True)


def test_login_with_wrong_token_and_logout(admin_app):
    client = admin_app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    wrong = client.post("/admin/login", data={"token": "x" * 30, "csrf_token": csrf})
    assert wrong.status_code == 401 and "令牌不正确" in wrong.get_data(as_text=True)
    assert client.get("/admin/").status_code == 303
    csrf = _login(client)
    assert client.get("/admin/").status_code == 200
    assert client.post("/admin/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/admin/").headers["Location"].startswith("/admin/login")


def test_reading_is_public_by_default(admin_app):
    client = admin_app.test_client()
    assert client.get("/data/versions").status_code == 200
    assert client.get("/api/collections/imported-metrics/items?f=json").status_code == 200
    assert client.get("/admin/").status_code == 303  # the admin page itself needs a user


def _tiny_app(store_dir, **settings) -> Flask:
    app = Flask(__name__)
    register_error_handlers(app)
    app.add_url_rule("/thing", "thing", lambda: "ok")
    app.add_url_rule("/thing", "write_thing", lambda: "written", methods=["POST"])
    auth.init_app(app, Settings(**settings), sessions=open_store(store_dir / "s.gpkg"))
    return app


def test_private_reading_needs_a_user(tmp_path):
    client = _tiny_app(tmp_path, public_read=False, admin_tokens=f"ops:{ADMIN_TOKEN}").test_client()
    headers = {"Accept": "application/json"}
    assert client.get("/thing", headers=headers).status_code == 401
    authorized = {**headers, "Authorization": f"Bearer {ADMIN_TOKEN}"}
    assert client.get("/thing", headers=authorized).get_data(as_text=True) == "ok"
    assert client.post("/thing", headers=authorized).get_data(as_text=True) == "written"


def test_without_tokens_nobody_can_write(tmp_path):
    client = _tiny_app(tmp_path).test_client()
    assert client.get("/thing").status_code == 200
    assert client.post("/thing", headers={"Authorization": "Bearer ",
                                          "Accept": "application/json"}).status_code == 401


@pytest.mark.parametrize("text, message", [("alice", "name:token"), ("alice:short", "shorter"),
                                           (f"a:{ADMIN_TOKEN},b:{ADMIN_TOKEN}", "reuses")])
def test_bad_token_settings_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        auth.parse_tokens(text)


def test_token_setting_parsed():
    assert auth.parse_tokens(f" alice:{ADMIN_TOKEN} , bob:{ADMIN_TOKEN}x ") == {
        ADMIN_TOKEN: "alice", ADMIN_TOKEN + "x": "bob"}
