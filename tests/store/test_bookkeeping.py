"""Run bookkeeping: import records, the audit log and the status summary."""

from __future__ import annotations

from datetime import timedelta

from .corpus import AMAQ, NASHIR, REUTERS, label, raw_doc, span



def test_an_import_is_recorded_as_running_then_finished_with_its_counts(store):
    import_id = store.begin_import("telegram", {"path": "export/result.json", "groups": ["extremist"]}, actor="analyst")
    [running] = store.list_imports()
    assert (running.id, running.status, running.finished_at) == (import_id, "running", None)
    assert running.arguments == {"path": "export/result.json", "groups": ["extremist"]}

    store.finish_import(import_id, new=120, duplicate=3, rejected=2, rejects_file="rejects.jsonl", status="done")

    [finished] = store.list_imports()
    assert (finished.new, finished.duplicate, finished.rejected) == (120, 3, 2)
    assert (finished.rejects_file, finished.status) == ("rejects.jsonl", "done")
    assert finished.started_at.utcoffset() == finished.finished_at.utcoffset() == timedelta(0)
    assert finished.started_at <= finished.finished_at


def test_imports_are_listed_newest_first_up_to_the_limit(store):
    ids = [store.begin_import(kind, {}) for kind in ("telegram", "rss", "web")]

    assert [record.id for record in store.list_imports()] == ids[::-1]
    assert [record.importer for record in store.list_imports(limit=2)] == ["web", "rss"]


def test_documents_can_be_written_under_an_import(store):
    import_id = store.begin_import("telegram", {})

    result = store.write_documents([raw_doc("one", "1")], import_id=import_id)

    assert result.new == 1


def test_audit_entries_are_kept_newest_first_with_their_details(store):
    store.audit("analyst", "import", target="telegram:Amaq Agency", details={"new": 12, "file": "ملف.json"})
    store.audit("admin", "delete-source")

    newest, oldest = store.audit_entries()
    assert (newest["actor"], newest["action"], newest["target"], newest["details"]) == ("admin", "delete-source", None, None)
    assert (oldest["actor"], oldest["action"], oldest["target"]) == ("analyst", "import", "telegram:Amaq Agency")
    assert oldest["details"] == {"new": 12, "file": "ملف.json"}
    assert oldest["at"].utcoffset() == timedelta(0) and oldest["at"] <= newest["at"]


def test_status_of_an_empty_store_is_all_zero(store):
    assert store.status() == {
        "documents": 0, "sources": [], "groups": {}, "languages": {}, "analysis": [], "span_layers": {}}


def test_status_counts_documents_per_source_group_language_analyser_and_layer(store):
    ids = store.write_documents([
        raw_doc("a", "1", source=AMAQ, language="ar"), raw_doc("b", "2", source=AMAQ, language="ar"),
        raw_doc("c", "3", source=NASHIR, language="en"), raw_doc("d", "4", source=REUTERS),
    ]).new_ids
    store.write_analysis("frames", "1", {ids[0]: ([span(0, 1), span(0, 1)], [label()]), ids[1]: ([], [])},
                         config_version="cb-1")
    store.write_analysis("entities", "2", {ids[2]: ([span(0, 1, layer="entities", label="PERSON")], [])})

    status = store.status()
    assert status["documents"] == 4
    assert [(s["name"], s["kind"], s["groups"], s["documents"]) for s in status["sources"]] == [
        ("Amaq Agency", "telegram", ["extremist"], 2),
        ("Nashir News", "telegram", ["extremist", "supporters"], 1),
        ("Reuters World", "rss", ["mainstream"], 1),
    ]
    assert status["groups"] == {"extremist": 3, "supporters": 1, "mainstream": 1}
    assert status["languages"] == {"ar": 2, "en": 1, "unknown": 1}
    assert sorted(status["analysis"], key=lambda row: row["analyser"]) == [
        {"analyser": "entities", "version": "2", "config_version": "", "documents": 1},
        {"analyser": "frames", "version": "1", "config_version": "cb-1", "documents": 2},
    ]
    assert status["span_layers"] == {"frames": 2, "entities": 1}
