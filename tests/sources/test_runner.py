"""The import runner: batches, interruption, locks, rejects files, the registry."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import write_telegram_export
from frameline.sources import BrokenImporter, UnknownImporter, get_importer
from frameline.sources.base import ImportOptions
from frameline.sources.runner import BATCH_SIZE, run_import
from frameline.store import SearchQuery, StoreLocked, open_store


def many_messages(count: int) -> list[dict]:
    body = "The soldiers of the Caliphate continue until victory or martyrdom. " * 3
    return [{"id": i, "type": "message", "date_unixtime": str(1499688000 + i), "from": "Amaq",
             "text": f"{i} {body}"} for i in range(1, count + 1)]


def test_import_killed_midway_leaves_a_consistent_database_and_a_rerun_completes_it(workspace, tmp_path):
    total = 60_000
    export = write_telegram_export(tmp_path / "result.json", many_messages(total))
    database = workspace.path / "frameline.db"
    command = [sys.executable, "-m", "frameline", "import", "telegram", str(export), "-w", str(workspace.path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stored = 0
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and process.poll() is None:
            with sqlite3.connect(database, timeout=5) as probe:
                stored = probe.execute("SELECT count(*) FROM documents").fetchone()[0]
            if stored >= 4000:
                break
            time.sleep(0.02)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert 0 < stored < total, "the import should have been killed midway"

    with sqlite3.connect(database) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        check.execute("INSERT INTO documents_fts(documents_fts) VALUES ('integrity-check')")
        kept = check.execute("SELECT count(*) FROM documents").fetchone()[0]
    assert kept % BATCH_SIZE == 0, "only whole batches are committed"

    store = workspace.open_store()
    report = run_import(store, "telegram", [export])
    assert (report.new, report.duplicate) == (total - kept, kept)
    assert store.count_documents() == total


def test_a_locked_database_is_a_clear_error_naming_it_and_nothing_stored_is_lost(tmp_path):
    database = tmp_path / "locked.db"
    url = f"sqlite:///{database}"
    store = open_store(url, busy_timeout_s=0.2)
    first = write_telegram_export(tmp_path / "first.json", many_messages(3))
    assert run_import(store, "telegram", [first]).new == 3

    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        second = write_telegram_export(tmp_path / "second.json", many_messages(5), name="Other")
        with pytest.raises(StoreLocked, match="locked.db.*locked by another process"):
            run_import(store, "telegram", [second])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.count_documents() == 3
    assert run_import(store, "telegram", [second]).new == 5


def test_one_bad_path_does_not_stop_the_others(sqlite_store, tmp_path):
    good = write_telegram_export(tmp_path / "result.json", many_messages(2))
    report = run_import(sqlite_store, "telegram", [tmp_path / "missing.json", good], rejects_dir=tmp_path / "rejects")
    assert (report.new, report.rejected, report.failed_paths) == (2, 1, [str(tmp_path / "missing.json")])
    logged = json.loads(report.rejects_file.read_text(encoding="utf-8"))
    assert logged["path"] == str(tmp_path / "missing.json") and "no such file" in logged["reason"]


@pytest.mark.parametrize("importer, name, reason", [
    ("rss", "feed.xml", "no such file (expected a feed URL or a saved RSS/Atom file)"),
    ("rss", "", "is a folder, expected a feed URL or a saved RSS/Atom file"),
    ("web", "saved.html", "no such file or folder (expected a URL, a file listing URLs, or saved .html pages)"),
    ("web", "urls.txt", "no such file or folder (expected a URL, a file listing URLs, or saved .html pages)"),
    ("files", "communiques", "no such file or folder"),
    ("files", "statement.txt", "no such file or folder"),
])
def test_a_missing_path_is_a_clear_rejection_for_the_collectors_too(sqlite_store, tmp_path, importer, name, reason):
    path = tmp_path / name if name else tmp_path
    report = run_import(sqlite_store, importer, [path], rejects_dir=tmp_path / "rejects")
    assert (report.new, report.rejected, report.failed_paths) == (0, 1, [str(path)])
    rejection = report.sample_rejections[0]
    assert (rejection.path, rejection.location, rejection.reason) == (str(path), None, reason)
    logged = json.loads(report.rejects_file.read_text(encoding="utf-8"))
    assert logged["reason"] == reason


def test_import_is_recorded_with_its_counts_and_audited(sqlite_store, tmp_path):
    export = write_telegram_export(tmp_path / "result.json", many_messages(4))
    report = run_import(sqlite_store, "telegram", [export], ImportOptions(groups=("extremist",)), actor="alice")
    (record,) = sqlite_store.list_imports()
    assert (record.id, record.new, record.status) == (report.import_id, 4, "completed")
    entry = sqlite_store.audit_entries()[0]
    assert (entry["actor"], entry["action"], entry["details"]["new"]) == ("alice", "import", 4)


def test_unknown_importer_names_the_available_ones():
    with pytest.raises(UnknownImporter) as raised:
        get_importer("myspace")
    assert "telegram" in str(raised.value)


def test_a_broken_plugin_is_reported_by_name_and_does_not_hide_the_others(monkeypatch):
    import frameline.sources as registry

    class BrokenEntryPoint:
        name, value = "broken", "nowhere.module:Importer"

        def load(self):
            raise ImportError("No module named 'nowhere'")

    real = registry._entry_points()
    monkeypatch.setattr(registry, "_entry_points", lambda: real | {"broken": BrokenEntryPoint()})
    with pytest.raises(BrokenImporter, match="broken.*nowhere"):
        get_importer("broken")
    assert "telegram" in registry.available_importers() and "broken" not in registry.available_importers()


def _stored(store) -> list[tuple]:
    """Everything an import leaves behind, in a comparable form."""
    rows = []
    for document in store.iter_documents():
        full = store.get_document(document.id, with_raw=True)
        spans = [(s.start, s.end, s.layer, s.label, s.producer, s.attributes) for s in store.get_spans(document.id)]
        rows.append((full.id, full.native_id, full.text, full.author, full.published_at, full.reply_to,
                     full.forwarded_from, full.media, full.metadata, full.raw, full.content_hash, spans))
    sources = [(s.kind, s.name, s.groups, s.metadata) for s in store.list_sources()]
    return rows + sources


def test_the_reader_process_stores_exactly_what_a_serial_import_stores(tmp_path):
    messages = [
        {"id": 1, "type": "service", "date_unixtime": "1499688000", "action": "create_channel", "title": "Amaq"},
        {"id": 2, "type": "message", "date_unixtime": "1499688001", "from": "Amaq", "from_id": "channel777",
         "text": ["Victory in ", {"type": "text_link", "text": "Mosul", "href": "https://example.org/m"}, " #الموصل"],
         "forwarded_from": "Nashir", "reply_to_message_id": 1},
        {"id": 3, "type": "message", "date_unixtime": "99999999999", "text": "from the future"},
        {"id": 4, "type": "message", "date_unixtime": "1499688003", "text": "",
         "photo": "photos/photo_1.jpg", "width": 800, "height": 600},
        *({"id": n, "type": "message", "date_unixtime": str(1499688000 + n), "from": "Amaq",
           "text": f"الدولة الإسلامية في الموصل {n}", "views": n} for n in range(5, 40)),
        {"id": 5, "type": "message", "date_unixtime": "1499688005", "text": "the same id again"},
    ]
    export = write_telegram_export(tmp_path / "result.json", messages)
    paths = [export, tmp_path / "missing.json"]
    options = ImportOptions(groups=("extremist",))
    stores = {}
    for parallel in (False, True):
        store = open_store(f"sqlite:///{tmp_path / f'parallel-{parallel}.db'}")
        report = run_import(store, "telegram", paths, options, rejects_dir=tmp_path / f"rejects-{parallel}",
                            parallel=parallel, batch_size=7)
        stores[parallel] = (store, report)
    (serial, serial_report), (parallel, parallel_report) = stores[False], stores[True]
    assert (parallel_report.new, parallel_report.duplicate, parallel_report.rejected) == \
        (serial_report.new, serial_report.duplicate, serial_report.rejected) == (37, 1, 2)
    assert parallel_report.new_ids == serial_report.new_ids
    assert parallel_report.failed_paths == serial_report.failed_paths == [str(tmp_path / "missing.json")]
    assert [r.as_record() for r in parallel_report.sample_rejections] == \
        [r.as_record() for r in serial_report.sample_rejections]
    assert _stored(parallel) == _stored(serial)
    assert parallel.search(SearchQuery("الموصل")).total == 36  # 35 statements and one hashtag
    assert parallel.list_sources()[0].metadata["service_messages"] == {"create_channel": 1}
