"""The catalog server mounts the admin app at /admin/ on the same state (users, clock, lock)."""

from __future__ import annotations

import requests

from oc_connector_sandbox import Sandbox


def test_admin_login_with_the_generated_password() -> None:
    with Sandbox.start(orders=1) as sb, requests.Session() as http:
        url = sb.url + "admin/index.php?route=common/login"
        bad = http.post(url, data={"username": "admin", "password": "wrong"}, allow_redirects=False)
        assert bad.status_code == 200
        ok = http.post(url, data={"username": "admin", "password": sb.admin_password}, allow_redirects=False)
        assert ok.status_code == 302
        dashboard = sb.url + "admin/index.php?route=common/dashboard&user_token="
        assert ok.headers["Location"].startswith(dashboard)
        assert len(ok.headers["Location"]) == len(dashboard) + 32
