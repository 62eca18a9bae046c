"""Web accounts: users, login sessions and API tokens, over the workspace database.

Kept beside `SqlStore` rather than inside it because only the web shell and the
`frameline users` command need it.  Passwords are hashed with argon2; session
and API tokens are random 256-bit values stored only as SHA-256 digests, so a
copied database does not let anyone sign in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from frameline.records import utc
from frameline.store.base import StoreError
from frameline.store.schema import api_tokens, user_sessions, users
from frameline.store.sql import SqlStore

ROLES = ("admin", "analyst", "viewer")
SESSION_LIFETIME = timedelta(hours=12)
_hasher = PasswordHasher()


class AccountError(StoreError):
    """A user cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str
    token_hash: str


def _now() -> datetime:
    return datetime.now(timezone.utc)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user(row) -> User:  # noqa: ANN001 - a SQLAlchemy row
    return User(id=row.id, username=row.username, role=row.role, disabled=bool(row.disabled),
                created_at=utc(row.created_at), last_login_at=utc(row.last_login_at) if row.last_login_at else None)


class AccountStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    # -- users --------------------------------------------------------------

    def add_user(self, username: str, password: str, role: str) -> User:
        username = username.strip()
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if not username or len(username) > 128 or any(c.isspace() for c in username):
            raise AccountError("a username needs 1 to 128 characters and no spaces")
        if len(password) < 10:
            raise AccountError("a password needs at least 10 characters")
        try:
            with self.store._write() as connection:
                connection.execute(users.insert().values(
                    username=username, password_hash=_hasher.hash(password), role=role, disabled=0,
                    created_at=_now()))
        except IntegrityError as error:
            raise AccountError(f"there is already a user called {username!r}") from error
        found = self.get_user(username)
        assert found is not None
        return found

    def get_user(self, username: str) -> User | None:
        with self.store._read() as connection:
            row = connection.execute(select(users).where(users.c.username == username)).first()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        with self.store._read() as connection:
            return [_user(row) for row in connection.execute(select(users).order_by(users.c.username))]

    def set_disabled(self, username: str, disabled: bool = True) -> User:
        with self.store._write() as connection:
            changed = connection.execute(
                update(users).where(users.c.username == username).values(disabled=int(disabled))).rowcount
            if changed and disabled:
                ids = select(users.c.id).where(users.c.username == username).scalar_subquery()
                connection.execute(delete(user_sessions).where(user_sessions.c.user_id == ids))
        found = self.get_user(username)
        if not changed or found is None:
            raise AccountError(f"no user called {username!r}")
        return found

    def ensure_user(self, username: str, role: str) -> User:
        """The single local-mode user: created on first use with an unusable random password."""
        return self.get_user(username) or self.add_user(username, secrets.token_urlsafe(32), role)

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password matches and the account is enabled; None otherwise."""
        with self.store._read() as connection:
            row = connection.execute(select(users).where(users.c.username == username)).first()
        if row is None:
            _hasher.hash(password)  # spend the same time as a real check: no user enumeration by timing
            return None
        try:
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if row.disabled:
            return None
        with self.store._write() as connection:
            connection.execute(update(users).where(users.c.id == row.id).values(last_login_at=_now()))
        return _user(row)

    # -- sessions ---------------------------------------------------------------

    def open_session(self, user: User) -> tuple[str, Session]:
        """A new session: the cookie value (returned once) and the session it unlocks."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = _now()
        with self.store._write() as connection:
            connection.execute(delete(user_sessions).where(user_sessions.c.expires_at < now))
            connection.execute(user_sessions.insert().values(
                token_hash=token_digest(token), user_id=user.id, csrf_token=csrf, created_at=now,
                expires_at=now + SESSION_LIFETIME))
        return token, Session(user, csrf, token_digest(token))

    def session(self, token: str) -> Session | None:
        digest = token_digest(token)
        with self.store._read() as connection:
            row = connection.execute(
                select(users, user_sessions.c.csrf_token, user_sessions.c.expires_at)
                .join(user_sessions, user_sessions.c.user_id == users.c.id)
                .where(user_sessions.c.token_hash == digest)).first()
        if row is None or row.disabled or utc(row.expires_at) < _now():
            return None
        return Session(_user(row), row.csrf_token, digest)

    def close_session(self, token_hash: str) -> None:
        with self.store._write() as connection:
            connection.execute(delete(user_sessions).where(user_sessions.c.token_hash == token_hash))

    # -- API tokens ---------------------------------------------------------------

    def create_api_token(self, user: User, name: str) -> str:
        """A new token for scripts; only its digest is kept, so it is shown to the user once."""
        token = "fl_" + secrets.token_urlsafe(32)
        with self.store._write() as connection:
            connection.execute(api_tokens.insert().values(
                user_id=user.id, name=name[:128] or "token", token_hash=token_digest(token), created_at=_now()))
        return token

    def api_token_user(self, token: str) -> User | None:
        digest = token_digest(token)
        with self.store._read() as connection:
            row = connection.execute(
                select(users).join(api_tokens, api_tokens.c.user_id == users.c.id)
                .where(api_tokens.c.token_hash == digest, api_tokens.c.revoked_at.is_(None))).first()
        if row is None or row.disabled:
            return None
        with self.store._write() as connection:
            connection.execute(update(api_tokens).where(api_tokens.c.token_hash == digest).values(last_used_at=_now()))
        return _user(row)

    def list_api_tokens(self, user: User) -> list[dict]:
        with self.store._read() as connection:
            rows = connection.execute(select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.created_at,
                                             api_tokens.c.last_used_at, api_tokens.c.revoked_at)
                                      .where(api_tokens.c.user_id == user.id).order_by(api_tokens.c.id)).all()
        return [dict(row._mapping) for row in rows]

    def revoke_api_token(self, user: User, token_id: int) -> bool:
        with self.store._write() as connection:
            return bool(connection.execute(
                update(api_tokens).where(api_tokens.c.id == token_id, api_tokens.c.user_id == user.id,
                                         api_tokens.c.revoked_at.is_(None)).values(revoked_at=_now())).rowcount)
