"""`frameline serve` and `frameline users`, run as a user runs them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def frameline(*args: str, workspace: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "frameline", *args, "--workspace", str(workspace)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    workspace = tmp_path_factory.mktemp("cli-web") / "case"
    subprocess.run([sys.executable, "-m", "frameline", "init", str(workspace)], check=True, capture_output=True)
    return workspace


def test_users_add_list_disable(case):
    workspace = case
    added = frameline("users", "add", "amira", "--role", "admin", workspace=workspace,
                      env={"FRAMELINE_PASSWORD": "a long passphrase"})
    assert added.returncode == 0, added.stderr
    short = frameline("users", "add", "bob", workspace=workspace, env={"FRAMELINE_PASSWORD": "short"})
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    assert frameline("users", "disable", "amira", workspace=workspace).returncode == 0
    listed = json.loads(frameline("users", "list", "--json", workspace=workspace).stdout)
    assert listed == [{"username": "amira", "role": "admin", "disabled": True, "last_login_at": None}]


def test_local_mode_refuses_to_listen_beyond_this_computer(case):
    refused = frameline("serve", "--local", "--host", "0.0.0.0", workspace=case)
    assert refused.returncode == 2 and "loopback" in refused.stderr


def test_serve_local_answers_on_loopback(case):
    workspace = case
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "frameline", "serve", "--local", "--port", str(port),
                               "--workspace", str(workspace)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.2)
        assert response.status_code == 200 and "Overview" in response.text
        assert response.headers["x-frame-options"] == "DENY"
        assert httpx.get(f"http://127.0.0.1:{port}/vendor/plotly.min.js", timeout=5).status_code == 200
    finally:
        server.terminate()
        server.wait(10)
