"""Login rate limiting is per address and username, with a cap per address: no lock-out of a named user from elsewhere."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from frameline.store.accounts import AccountStore
from frameline.web import create_app

from .conftest import PASSWORD


def attempt(client: TestClient, username: str, password: str) -> int:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token}).status_code


def test_wrong_tries_from_one_address_do_not_lock_the_user_out_elsewhere(web_workspace):
    workspace, store, _ = web_workspace
    app = create_app(workspace, store=store)
    attacker = TestClient(app, follow_redirects=False, client=("192.0.2.66", 40000))
    assert [attempt(attacker, "analyst", "wrong password") for _ in range(6)] == [401] * 5 + [429]
    assert attempt(attacker, "analyst", PASSWORD) == 429  # that address waits, even with the right password
    colleague = TestClient(app, follow_redirects=False, client=("198.51.100.7", 40000))
    assert attempt(colleague, "analyst", PASSWORD) == 303  # the real user, from their own machine, gets in


def test_one_address_trying_many_usernames_is_stopped(web_workspace):
    workspace, store, _ = web_workspace
    accounts = AccountStore(store)
    for number in range(25):
        if accounts.get_user(f"spray{number}") is None:
            accounts.add_user(f"spray{number}", PASSWORD, "viewer")
    app = create_app(workspace, store=store)
    sprayer = TestClient(app, follow_redirects=False, client=("203.0.113.9", 40000))
    statuses = [attempt(sprayer, f"spray{number}", "guess one") for number in range(22)]
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429, 429]  # 20 failures per address, any usernames
    assert attempt(sprayer, "spray24", PASSWORD) == 429
    other = TestClient(app, follow_redirects=False, client=("203.0.113.10", 40000))
    assert attempt(other, "spray24", PASSWORD) == 303
    assert sum(e["action"] == "login-blocked" for e in store.audit_entries(200)) >= 3
