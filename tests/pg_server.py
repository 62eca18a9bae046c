"""A real, throwaway PostgreSQL server for the test-suite (no mocks).

The storage tests run every behaviour against SQLite and PostgreSQL.  For the
PostgreSQL side they either use the server named by FRAMELINE_TEST_POSTGRES_URL
or start a private cluster from the installed server binaries: a temporary data
directory, a unix socket in a temporary directory (no TCP port, so parallel
runs cannot collide), durability switched off for speed, and a non-UTC server
time zone so that time-zone mistakes show up.  Each test gets its own database.

PostgreSQL refuses to run as root; when the tests run as root the cluster is
created and started as the `postgres` system user (which Debian's `postgresql`
package creates) with `runuser`.

Run `python tests/pg_server.py` to start one by hand; it prints the URL and
keeps the server up until interrupted.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

URL_VARIABLE = "FRAMELINE_TEST_POSTGRES_URL"
SYSTEM_USER = "postgres"
SUPERUSER = "postgres"
# Not UTC on purpose: stored times must come back as the same instant whatever the session time zone.
SERVER_TIMEZONE = "Asia/Baghdad"
START_TIMEOUT_S = 60


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be started on this machine; the message says why and what to install."""


def find_binaries() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres: PATH first, then Debian's versioned directories."""
    on_path = shutil.which("initdb")
    if on_path:
        directory = Path(on_path).resolve().parent
        if (directory / "pg_ctl").exists():
            return directory
        if shutil.which("pg_ctl"):
            return Path(on_path).parent
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb") + glob.glob("/usr/local/pgsql/bin/initdb")

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path)) or (0,)

    for candidate in sorted(candidates, key=version, reverse=True):
        directory = Path(candidate).parent
        if (directory / "pg_ctl").exists() and (directory / "postgres").exists():
            return directory
    return None


def _run_as_prefix() -> list[str]:
    """Command prefix that drops root to the postgres system user; empty when not root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise PostgresUnavailable(
            f"the tests run as root and PostgreSQL refuses to run as root, but there is no {SYSTEM_USER!r} "
            "system user to run it as (install Debian's 'postgresql' package, or set "
            f"{URL_VARIABLE} to an existing server)"
        ) from None
    if shutil.which("runuser"):
        return ["runuser", "-u", SYSTEM_USER, "--"]
    if shutil.which("setpriv"):
        entry = pwd.getpwnam(SYSTEM_USER)
        return ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups", "--"]
    raise PostgresUnavailable("the tests run as root and neither runuser nor setpriv is available to drop to the postgres user")


def unavailable_reason() -> str | None:
    """Why a throwaway cluster cannot be started here, or None when it can."""
    if find_binaries() is None:
        return (
            "no PostgreSQL server binaries found (initdb/pg_ctl not on PATH nor in /usr/lib/postgresql/*/bin); "
            f"install Debian's 'postgresql' package or set {URL_VARIABLE} to a server the tests may create databases on"
        )
    try:
        _run_as_prefix()
    except PostgresUnavailable as problem:
        return str(problem)
    return None


def _admin_engine(url: str):  # noqa: ANN202 - an Engine
    url_object = make_url(url)
    if url_object.drivername == "postgresql":
        url_object = url_object.set(drivername="postgresql+psycopg")
    return create_engine(url_object, isolation_level="AUTOCOMMIT", poolclass=NullPool)


@dataclass
class PostgresServer:
    """A server the tests may create and drop databases on; `url` names its maintenance database."""

    url: str
    _created: list[str] = field(default_factory=list)

    def database_url(self, name: str) -> str:
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def create_database(self) -> tuple[str, str]:
        """A new empty database; returns (name, url)."""
        name = f"frameline_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        engine = _admin_engine(self.url)
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
        finally:
            engine.dispose()
        self._created.append(name)
        return name, self.database_url(name)

    def drop_database(self, name: str) -> None:
        engine = _admin_engine(self.url)
        try:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            engine.dispose()
        if name in self._created:
            self._created.remove(name)

    def stop(self) -> None:
        for name in list(self._created):
            self.drop_database(name)


@dataclass
class ThrowawayCluster(PostgresServer):
    """A cluster in a temporary directory, removed again by `stop`."""

    base: Path = Path()
    binaries: Path = Path()
    prefix: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "server.log"

    def _pg_ctl(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _run([*self.prefix, str(self.binaries / "pg_ctl"), "-D", str(self.data), *arguments], self.base, check)

    def stop(self) -> None:
        if not self.base.exists():
            return
        try:
            if (self.data / "postmaster.pid").exists():
                self._pg_ctl("stop", "-m", "immediate", "-w", check=False)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def _run(command: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=START_TIMEOUT_S)
    if check and completed.returncode != 0:
        raise PostgresUnavailable(
            f"{' '.join(command)} failed with exit status {completed.returncode}:\n{completed.stdout}{completed.stderr}"
        )
    return completed


def start_cluster() -> ThrowawayCluster:
    """initdb a cluster in a new temporary directory and start it on a private unix socket."""
    binaries = find_binaries()
    if binaries is None:
        raise PostgresUnavailable(unavailable_reason() or "no PostgreSQL binaries")
    prefix = _run_as_prefix()
    # /tmp rather than $TMPDIR: the socket path must stay short (about 100 bytes at most), and the
    # postgres user must be able to reach it when we run as root.
    base = Path(tempfile.mkdtemp(prefix="frameline-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
    socket_dir = base / "socket"
    socket_dir.mkdir()
    if prefix:  # the server runs as the postgres user: it must own its directories
        entry = pwd.getpwnam(SYSTEM_USER)
        for path in (base, socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    base.chmod(0o700)
    cluster = ThrowawayCluster(
        url=f"postgresql://{SUPERUSER}@/postgres?host={socket_dir}", base=base, binaries=binaries, prefix=prefix
    )
    try:
        _run(
            [*prefix, str(binaries / "initdb"), "-D", str(cluster.data), f"--username={SUPERUSER}",
             "--encoding=UTF8", "--locale=C.UTF-8", "--auth=trust", "--no-sync"],
            base,
        )
        settings = {
            "listen_addresses": "''",
            "unix_socket_directories": f"'{socket_dir}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "timezone": f"'{SERVER_TIMEZONE}'",
            "max_connections": "40",
            "shared_buffers": "16MB",
        }
        with open(cluster.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# frameline test-suite settings\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        started = cluster._pg_ctl("start", "-w", "-t", str(START_TIMEOUT_S), "-l", str(cluster.log), check=False)
        if started.returncode != 0:
            log = cluster.log.read_text(errors="replace") if cluster.log.exists() else "(no server log)"
            raise PostgresUnavailable(f"pg_ctl start failed:\n{started.stdout}{started.stderr}\nserver log:\n{log}")
    except BaseException:
        cluster.stop()
        raise
    atexit.register(cluster.stop)  # a backstop for an interrupted run; stopping twice is harmless
    return cluster


def server_from_environment() -> PostgresServer | None:
    url = os.environ.get(URL_VARIABLE)
    return PostgresServer(url=url) if url else None


if __name__ == "__main__":
    import signal
    import sys
    import time

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # a background job would otherwise ignore it
    running = start_cluster()
    print(running.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
