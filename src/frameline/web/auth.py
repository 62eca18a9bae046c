"""Who is asking, and may they: sessions, API tokens, the local single user, roles and CSRF.

A request is authenticated by (in order) an `Authorization: Bearer` API token,
a session cookie, or — in local mode only, where the server refuses every
non-loopback client — the workspace's single local user, who gets a session
cookie on the first request so that CSRF protection works the same way.
Forms carry the session's CSRF token; JSON calls made with a cookie send it as
`X-CSRF-Token`; calls with an API token need none (no ambient authority).
"""

from __future__ import annotations

import hmac
import time
from collections import deque
from dataclasses import dataclass

from fastapi import Request

from frameline.store.accounts import User

SESSION_COOKIE = "frameline_session"
LOGIN_CSRF_COOKIE = "frameline_login_csrf"
LOCAL_USER = "local"
RANK = {"viewer": 0, "analyst": 1, "admin": 2}
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class NotSignedIn(Exception):
    """No valid session or token: pages redirect to the login form, the API answers 401."""


class Forbidden(Exception):
    """Signed in, but the role or CSRF token does not allow this."""


@dataclass(frozen=True)
class Principal:
    user: User
    via: str  # session | token
    csrf_token: str | None = None
    token_hash: str | None = None

    @property
    def name(self) -> str:
        return self.user.username

    def can(self, role: str) -> bool:
        return RANK.get(self.user.role, -1) >= RANK[role]


def principal(request: Request) -> Principal:
    found = getattr(request.state, "principal", None)
    if found is None:
        raise NotSignedIn()
    return found


def optional_principal(request: Request) -> Principal | None:
    return getattr(request.state, "principal", None)


def require(role: str):  # noqa: ANN201 - a FastAPI dependency
    def dependency(request: Request) -> Principal:
        who = principal(request)
        if not who.can(role):
            raise Forbidden(f"this needs the {role} role; you are signed in as {who.user.role}")
        return who

    dependency.__name__ = f"require_{role}"
    return dependency


def check_csrf(who: Principal, supplied: str | None) -> None:
    if who.via == "token":
        return
    if not supplied or not who.csrf_token or not hmac.compare_digest(supplied, who.csrf_token):
        raise Forbidden("the form's security token is missing or out of date; reload the page and try again")


class LoginLimiter:
    """At most `attempts` failed logins per (client address, username) and `per_address` per address in `window_s`.

    Keyed on the pair, not on the username alone, so that nobody can lock a
    colleague out by typing their name wrong five times from elsewhere; the
    per-address cap stops one address from trying many usernames in turn.
    In memory: a restart forgets, which is acceptable for a workstation tool and
    keeps the check free of database writes an attacker could use to fill a disk.
    """

    def __init__(self, attempts: int = 5, window_s: float = 900.0, per_address: int = 20) -> None:
        self.attempts, self.window_s, self.per_address = attempts, window_s, per_address
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] < time.monotonic() - self.window_s:
            times.popleft()
        return times

    @staticmethod
    def _keys(client: str, username: str) -> tuple[str, str]:
        return f"pair:{client}\0{username.strip().lower()}", f"ip:{client}"

    def blocked(self, client: str, username: str) -> bool:
        pair, address = self._keys(client, username)
        return len(self._recent(pair)) >= self.attempts or len(self._recent(address)) >= self.per_address

    def failed(self, client: str, username: str) -> None:
        for key in self._keys(client, username):
            self._recent(key).append(time.monotonic())
        if len(self._failures) > 10_000:  # bound memory under a spray of usernames: forget what has expired
            cutoff = time.monotonic() - self.window_s
            self._failures = {k: v for k, v in self._failures.items() if v and v[-1] >= cutoff}

    def succeeded(self, client: str, username: str) -> None:
        self._failures.pop(self._keys(client, username)[0], None)
