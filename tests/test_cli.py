"""The command line, run as a user runs it: a real process on a real workspace."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import write_telegram_export


def frameline(*args: str, workspace: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "frameline", *args]
    if workspace is not None:
        command += ["--workspace", str(workspace)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd)


def test_init_import_search_show_export_status(tmp_path):
    workspace = tmp_path / "case"
    assert frameline("init", str(workspace)).returncode == 0
    export = write_telegram_export(tmp_path / "result.json", [
        {"id": 1, "type": "message", "date_unixtime": "1499688000", "text": "جنود الخلافة في الموصل"},
        {"id": 2, "type": "message", "date_unixtime": "1499691600", "text": "A small setback in a larger war"},
    ])
    imported = frameline("import", "telegram", str(export), "--source-group", "extremist", workspace=workspace)
    assert imported.returncode == 0, imported.stderr
    assert "2 new, 0 duplicate, 0 rejected" in imported.stdout
    again = frameline("import", "telegram", str(export), workspace=workspace)
    assert "0 new, 2 duplicate" in again.stdout

    found = json.loads(frameline("search", "الخلافه", "--json", "-g", "extremist", workspace=workspace).stdout)
    assert found["total"] == 1 and found["hits"][0]["highlights"] == ["الخلافة"]
    shown = json.loads(frameline("show", str(found["hits"][0]["id"]), "--json", workspace=workspace).stdout)
    assert shown["text"] == "جنود الخلافة في الموصل" and shown["groups"] == ["extremist"]

    out = tmp_path / "all.jsonl"
    assert frameline("export", "--format", "jsonl", "--out", str(out), workspace=workspace).returncode == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    status = json.loads(frameline("status", "--json", workspace=workspace).stdout)
    assert status["documents"] == 2 and status["groups"] == {"extremist": 2}


def test_errors_are_one_clear_line_not_a_traceback(tmp_path):
    workspace = tmp_path / "case"
    frameline("init", str(workspace))
    cases = [
        (frameline("search", "Mosul OR", workspace=workspace), "OR needs a term on each side"),
        (frameline("import", "myspace", "x", workspace=workspace), "no importer named 'myspace'"),
        (frameline("status", workspace=tmp_path / "nowhere"), "not a Frameline workspace"),
        (frameline("show", "999", workspace=workspace), "no document with id 999"),
    ]
    for result, message in cases:
        assert result.returncode == 1
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_import_of_a_missing_file_reports_the_rejection_and_fails(tmp_path):
    workspace = tmp_path / "case"
    frameline("init", str(workspace))
    result = frameline("import", "telegram", str(tmp_path / "missing.json"), workspace=workspace)
    assert result.returncode == 1
    assert "missing.json: no such file" in result.stderr
    assert "1 rejected" in result.stdout


def test_source_groups_can_be_relabelled(tmp_path):
    workspace = tmp_path / "case"
    frameline("init", str(workspace))
    export = write_telegram_export(tmp_path / "result.json", [{"id": 1, "type": "message", "date_unixtime": "1499688000", "text": "x"}])
    frameline("import", "telegram", str(export), "-g", "extremist", workspace=workspace)
    changed = frameline("sources", "groups", "Amaq test", "--add", "official", "--remove", "extremist", workspace=workspace)
    assert changed.returncode == 0, changed.stderr
    listed = json.loads(frameline("sources", "list", "--json", workspace=workspace).stdout)
    assert listed[0]["groups"] == ["official"]


def test_sources_add_files_creates_a_missing_drop_folder_as_in_the_readme(tmp_path):
    workspace = tmp_path / "case"
    frameline("init", str(workspace))
    added = frameline("sources", "add", "files", "./drop-folder", "--group", "extremist", "--every", "5m",
                      workspace=workspace, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert (tmp_path / "drop-folder").is_dir()
    assert "Created the drop folder" in added.stdout and "Watching files" in added.stdout
    watched = json.loads(frameline("sources", "watched", "--json", workspace=workspace).stdout)
    assert [(w["kind"], w["target"], w["every"]) for w in watched] == [
        ("files", str((tmp_path / "drop-folder").resolve()), "5m")]
    (tmp_path / "drop-folder" / "communique.txt").write_text("The soldiers of the Caliphate hold Mosul.",
                                                            encoding="utf-8")
    polled = frameline("watch", "--once", "--no-analyze", workspace=workspace)
    assert polled.returncode == 0, polled.stderr
    assert "1 new documents" in polled.stdout
    again = frameline("sources", "add", "files", "./drop-folder", "-g", "extremist", workspace=workspace, cwd=tmp_path)
    assert "Created" not in again.stdout and "Updated files" in again.stdout


def test_sources_add_web_with_a_missing_folder_is_refused_clearly(tmp_path):
    workspace = tmp_path / "case"
    frameline("init", str(workspace))
    refused = frameline("sources", "add", "web", str(tmp_path / "saved-pages"), workspace=workspace)
    assert refused.returncode == 1
    assert "neither an http(s) URL nor an existing folder or file" in refused.stderr
    assert not (tmp_path / "saved-pages").exists()


def test_a_locked_database_is_one_clear_line_and_nothing_stored_is_lost(tmp_path):
    workspace = tmp_path / "case"
    frameline("init", str(workspace))
    first = write_telegram_export(tmp_path / "first.json", [
        {"id": 1, "type": "message", "date_unixtime": "1499688000", "text": "جنود الخلافة في الموصل"}])
    assert "1 new" in frameline("import", "telegram", str(first), workspace=workspace).stdout
    second = write_telegram_export(tmp_path / "second.json", [
        {"id": 2, "type": "message", "date_unixtime": "1499691600", "text": "A small setback"}], name="Other")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "db.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\nsys.stdin.readline()\n",
         str(workspace / "frameline.db")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        locked = frameline("import", "telegram", str(second), workspace=workspace)
    finally:
        holder.communicate("done\n", timeout=30)
    assert locked.returncode == 1 and "Traceback" not in locked.stderr
    message = " ".join(locked.stderr.split())
    assert f"{workspace / 'frameline.db'} is locked by another process" in message
    assert "nothing was written by this step, try again when it is free" in message
    status = json.loads(frameline("status", "--json", workspace=workspace).stdout)
    assert status["documents"] == 1
    assert "1 new" in frameline("import", "telegram", str(second), workspace=workspace).stdout

