"""`frameline serve` and `frameline users add|list|disable`: the web shell's commands."""

from __future__ import annotations

import getpass
import ipaddress
import json
import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from frameline.cli import DatabaseOption, JsonOption, WorkspaceOption, _open, console
from frameline.store.accounts import ROLES, AccountError, AccountStore

users_app = typer.Typer(no_args_is_help=True, help="Web accounts: add, list and disable users.")
PASSWORD_VARIABLE = "FRAMELINE_PASSWORD"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on. Anything but 127.0.0.1 exposes the workspace to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    local: Annotated[bool, typer.Option("--local", help="Single-user mode without sign-in; refuses every non-loopback client.")] = False,
    secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="Mark cookies Secure (when served behind TLS).")] = False,
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Serve the web UI and the JSON API (default http://127.0.0.1:8000)."""
    import uvicorn

    from frameline.web import create_app

    if local and not is_loopback(host):
        raise typer.BadParameter("--local serves without sign-in, so it only listens on a loopback address "
                                 "(127.0.0.1 or ::1); drop --local and add users to serve on the network",
                                 param_hint="--host")
    found, store = _open(workspace, database_url)
    if not local and not AccountStore(store).list_users():
        console.print("[yellow]No users yet[/]: add one with `frameline users add NAME --role admin`, "
                      "or use --local on this computer.")
    app = create_app(found, store=store, local=local, secure_cookies=secure_cookies)
    console.print(f"Frameline at http://{'[' + host + ']' if ':' in host else host}:{port}/"
                  f"{'  (local mode: no sign-in, this computer only)' if local else ''}")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False, server_header=False)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")] = "analyst",
    workspace: WorkspaceOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Add a user; the password is asked for (or read from $FRAMELINE_PASSWORD for scripts)."""
    _, store = _open(workspace, database_url)
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is None:
        password = getpass.getpass(f"Password for {username}: ")
        if getpass.getpass("Again: ") != password:
            raise AccountError("the two passwords differ")
    user = AccountStore(store).add_user(username, password, role)
    store.audit("cli", "user-added", user.username, {"role": role})
    console.print(f"Added {user.username} ({user.role})")


@users_app.command("list")
def users_list(workspace: WorkspaceOption = None, database_url: DatabaseOption = None, json_: JsonOption = False) -> None:
    """Users with their role, state and last sign-in."""
    _, store = _open(workspace, database_url)
    found = AccountStore(store).list_users()
    if json_:
        print(json.dumps([{"username": u.username, "role": u.role, "disabled": u.disabled,
                           "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None}
                          for u in found], indent=1))
        return
    table = Table("user", "role", "state", "last sign-in")
    for u in found:
        table.add_row(u.username, u.role, "disabled" if u.disabled else "active",
                      u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "")
    console.print(table)


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument()], workspace: WorkspaceOption = None,
                  database_url: DatabaseOption = None) -> None:
    """Disable a user: their sessions end at once; API tokens stop working."""
    _, store = _open(workspace, database_url)
    AccountStore(store).set_disabled(username, True)
    store.audit("cli", "user-disabled", username)
    console.print(f"Disabled {username}")
