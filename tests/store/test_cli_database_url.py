"""`frameline init --database-url` and `--database-url`, run as a user runs them, on a real PostgreSQL server."""

from __future__ import annotations

import json

import pytest
from test_cli import frameline  # the command run as a real process

from conftest import write_telegram_export


@pytest.mark.postgres
def test_init_database_url_keeps_the_workspace_on_postgresql_and_database_url_overrides(postgres_url, tmp_path):
    url = postgres_url
    workspace = tmp_path / "server-case"
    created = frameline("init", str(workspace), "--database-url", url)
    assert created.returncode == 0, created.stderr
    assert "postgresql" in created.stdout and not (workspace / "frameline.db").exists()
    export = write_telegram_export(tmp_path / "result.json", [
        {"id": 1, "type": "message", "date_unixtime": "1499688000", "text": "جنود الخلافة في الموصل"}])
    imported = frameline("import", "telegram", str(export), "-g", "extremist", workspace=workspace)
    assert "1 new, 0 duplicate, 0 rejected" in imported.stdout, imported.stderr
    found = json.loads(frameline("search", "الخلافه", "--json", workspace=workspace).stdout)
    assert found["total"] == 1 and found["hits"][0]["highlights"] == ["الخلافة"]

    local = tmp_path / "local-case"
    frameline("init", str(local))
    assert json.loads(frameline("status", "--json", workspace=local).stdout)["documents"] == 0
    overridden = json.loads(frameline("status", "--json", "--database-url", url, workspace=local).stdout)
    assert overridden["documents"] == 1 and overridden["groups"] == {"extremist": 1}
