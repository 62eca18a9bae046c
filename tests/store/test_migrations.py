"""Opening a database brings it to the newest schema, once."""

from __future__ import annotations

from sqlalchemy import inspect

from frameline.store import SearchQuery, SqlStore, migrate, open_store

from .corpus import store_texts

TABLES = {"sources", "source_groups", "documents", "spans", "doc_labels", "analysis_state", "imports", "audit_log"}


def test_a_fresh_database_is_migrated_to_the_newest_revision(store_url):
    store = open_store(store_url)
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision() is not None
        assert TABLES <= set(inspect(store.engine).get_table_names())
    finally:
        store.close()


def test_reopening_a_migrated_database_does_not_run_migrations_again(store_url, monkeypatch):
    open_store(store_url).close()

    def refuse(*_args, **_kwargs):  # noqa: ANN002, ANN003
        raise AssertionError("migrations ran again on an up-to-date database")

    monkeypatch.setattr(migrate, "upgrade", refuse)
    reopened = SqlStore(store_url)
    reopened.close()


def test_documents_and_the_search_index_survive_reopening(store_url):
    first = open_store(store_url)
    store_texts(first, "الدولة الإسلامية في الموصل", "Mosul")
    first.close()

    reopened = open_store(store_url)
    try:
        assert reopened.count_documents() == 2
        assert [hit.document.text for hit in reopened.search(SearchQuery("الموصل")).hits] == ["الدولة الإسلامية في الموصل"]
        store_texts(reopened, "الموصل بعد التحرير")
        assert reopened.search(SearchQuery("الموصل")).total == 2
    finally:
        reopened.close()


def test_a_workspace_made_before_0003_keeps_its_index_and_indexes_new_documents_once(tmp_path):
    from sqlalchemy import create_engine

    database = tmp_path / "old.db"
    url = f"sqlite:///{database}"
    engine = create_engine(url)
    migrate.upgrade(engine, "0002")  # the schema as it was, with the per-row insert trigger
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO sources (id, kind, name, metadata, created_at) VALUES (1, 'telegram', 'Amaq', '{}', '2017-07-10')")
        connection.exec_driver_sql(
            "INSERT INTO documents (source_id, native_id, collected_at, text, text_norm, content_hash) "
            "VALUES (1, 'old', '2017-07-10 00:00:00.000000', 'الموصل', 'موصل', 'x')")
    engine.dispose()

    store = open_store(url)
    try:
        store_texts(store, "الموصل بعد التحرير")
        assert store.search(SearchQuery("الموصل")).total == 2
        with store.engine.connect() as connection:
            triggers = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
            connection.exec_driver_sql("INSERT INTO documents_fts(documents_fts) VALUES ('integrity-check')")
        fts_triggers = {name for name in triggers if "fts" in name}
        assert fts_triggers == {"documents_fts_delete", "documents_fts_update"}  # no per-row insert trigger
    finally:
        store.close()


def test_0008_moves_the_web_pages_judgements_into_frame_annotations_and_drops_their_table(tmp_path):
    from sqlalchemy import create_engine

    from frameline.store.annotations import list_annotations

    url = f"sqlite:///{tmp_path / 'before-0008.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine, "0004_frames")  # both annotation tables, as the two branches left them
    text = "The soldiers continue until victory or martyrdom. Iraq declares victory."
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO sources (id, kind, name, metadata, created_at) VALUES (1, 'telegram', 'Amaq', '{}', '2017-07-10')")
        connection.exec_driver_sql(
            "INSERT INTO documents (id, source_id, native_id, collected_at, text, text_norm, content_hash) "
            f"VALUES (1, 1, 'old', '2017-07-10 00:00:00.000000', '{text}', 'x', 'x')")
        connection.exec_driver_sql(
            "INSERT INTO sentence_judgements (document_id, start, \"end\", label, decision, actor, at) VALUES "
            "(1, 0, 49, 'steadfastness', 'accept', 'amira', '2026-11-20 10:00:00.000000'), "
            "(1, 50, 72, 'my-own-frame', 'add', 'omar', '2026-11-21 10:00:00.000000')")
    engine.dispose()

    store = open_store(url)
    try:
        assert "sentence_judgements" not in inspect(store.engine).get_table_names()
        moved = list_annotations(store)
        assert [(a.sentence, a.frame, a.codebook, a.decision, a.annotator) for a in moved] == [
            ("The soldiers continue until victory or martyrdom.", "steadfastness", "jihadist-narratives", "accept",
             "amira"),
            ("Iraq declares victory.", "my-own-frame", "unknown", "add", "omar")]
        assert moved[0].codebook_version and all("migration 0008" in a.note for a in moved)
    finally:
        store.close()
    migrate.upgrade(create_engine(url), "head")  # idempotent


def test_spans_keep_one_layer_label_index_and_the_planner_uses_it(store_url):
    """0009 drops ix_spans_layer_label; lookups by (layer, label) go through ix_spans_layer_label_score."""
    store = open_store(store_url)
    try:
        names = {index["name"] for index in inspect(store.engine).get_indexes("spans")}
        assert "ix_spans_layer_label_score" in names and "ix_spans_layer_label" not in names
        if store.engine.dialect.name == "sqlite":
            with store.engine.connect() as connection:
                plan = connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT document_id FROM spans WHERE layer = 'frame' AND label = 'war'"
                ).fetchall()
            assert any("ix_spans_layer_label_score" in str(row) for row in plan), plan
    finally:
        store.close()
