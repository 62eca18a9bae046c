"""The relational schema, shared by SQLite and PostgreSQL.

Plain tables that any SQL client can open.  JSON columns hold the open-ended
parts (raw records, attributes); everything that is filtered or joined on is a
real column with an index named for the query it serves.  Full-text search is
dialect-specific and lives in the migrations (FTS5 / tsvector).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# BigInteger ids on PostgreSQL, plain INTEGER PRIMARY KEY (rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

sources = Table(
    "sources",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("name", String(512), nullable=False),
    Column("handle", String(512)),
    Column("url", Text),
    Column("language", String(16)),
    Column("metadata", JSON, nullable=False, default=dict),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "name"),
)

source_groups = Table(
    "source_groups",
    metadata,
    Column("source_id", Id, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("group_name", String(128), primary_key=True),
    Index("ix_source_groups_group", "group_name", "source_id"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source_id", Id, ForeignKey("sources.id"), nullable=False),
    Column("native_id", String(512), nullable=False),
    Column("url", Text),
    Column("author", String(512)),
    Column("author_id", String(256)),
    Column("published_at", DateTime(timezone=True)),
    Column("collected_at", DateTime(timezone=True), nullable=False),
    Column("title", Text),
    Column("text", Text, nullable=False),
    Column("title_norm", Text),
    Column("text_norm", Text, nullable=False),
    Column("language", String(16)),
    Column("content_hash", String(64), nullable=False),
    Column("reply_to", String(512)),
    Column("forwarded_from", String(512)),
    Column("media", JSON),
    Column("metadata", JSON),
    Column("raw", LargeBinary),  # zlib-compressed JSON of the original record
    Column("import_id", Id),
    UniqueConstraint("source_id", "native_id"),
    Index("ix_documents_published", "published_at"),
    Index("ix_documents_source_published", "source_id", "published_at"),
    Index("ix_documents_content_hash", "content_hash"),
    Index("ix_documents_language", "language"),
)

spans = Table(
    "spans",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("document_id", Id, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("layer", String(64), nullable=False),
    Column("label", String(256), nullable=False),
    Column("score", Float),
    Column("producer", String(128), nullable=False),
    Column("producer_version", String(64), nullable=False),
    Column("attributes", JSON),
    Index("ix_spans_document_layer", "document_id", "layer"),
    Index("ix_spans_layer_label_score", "layer", "label", "score"),  # evidence: best-scoring spans first
)

doc_labels = Table(
    "doc_labels",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("document_id", Id, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("layer", String(64), nullable=False),
    Column("label", String(256), nullable=False),
    Column("score", Float),
    Column("producer", String(128), nullable=False),
    Column("producer_version", String(64), nullable=False),
    Column("attributes", JSON),
    Index("ix_doc_labels_document_layer", "document_id", "layer"),
    Index("ix_doc_labels_layer_label", "layer", "label", "document_id"),
)

# Run bookkeeping: which analyser version (and codebook version) last produced a
# document's layer, so that `analyze` recomputes only what is missing or stale.
analysis_state = Table(
    "analysis_state",
    metadata,
    Column("document_id", Id, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("analyser", String(128), primary_key=True),
    Column("analyser_version", String(64), nullable=False),
    Column("config_version", String(64), nullable=False, default=""),
    Column("completed_at", DateTime(timezone=True), nullable=False),
    Index("ix_analysis_state_analyser", "analyser", "analyser_version", "config_version"),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("importer", String(64), nullable=False),
    Column("arguments", JSON, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("new", Integer, nullable=False, default=0),
    Column("duplicate", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("rejects_file", Text),
    Column("status", String(32), nullable=False, default="running"),
    Column("actor", String(128)),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", Text),
    Column("details", JSON),
    Index("ix_audit_log_at", "at"),
)

# -- clusters (near-duplicate and re-post groups; migration 0002) ------------------
# Signatures per document and signature type ("exact", "minhash"), so the duplicates
# analyser rebuilds its index from the database and adds only rows after the last it saw.
document_signatures = Table(
    "document_signatures",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("document_id", Id, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("value", LargeBinary, nullable=False),
    UniqueConstraint("document_id", "kind"),
    Index("ix_document_signatures_kind", "kind", "id"),
)

# A cluster's id is the id of the document that founded it (stable, known without a round trip).
# Documents that match nothing belong to no cluster; sizes start at 2.
clusters = Table(
    "clusters",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("first_document_id", Id, nullable=False),  # the member published first
    Column("first_seen_at", DateTime(timezone=True)),
    Column("last_seen_at", DateTime(timezone=True)),
    Column("size", Integer, nullable=False, default=0),
    Column("sources", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_clusters_size", "size"),
)

cluster_members = Table(
    "cluster_members",
    metadata,
    Column("document_id", Id, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("cluster_id", Id, ForeignKey("clusters.id", ondelete="CASCADE"), nullable=False),
    Column("similarity", Float, nullable=False),  # to matched_document_id, the member it matched best
    Column("method", String(16), nullable=False),  # founder | exact | minhash
    Column("matched_document_id", Id),
    Column("joined_at", DateTime(timezone=True), nullable=False),
    Index("ix_cluster_members_cluster", "cluster_id", "document_id"),
)

# -- collect (what `frameline watch` last did per monitored source; migration 0007_collection) --
# One row per configured target (feed URL, page URL or drop folder), written after every poll:
# the UI shows it as each source's health, and the monitor keeps its schedule and HTTP validators here.
collection_status = Table(
    "collection_status",
    metadata,
    Column("target", String(2048), primary_key=True),
    Column("kind", String(64), nullable=False),  # the importer: rss, web, files
    Column("source_id", Id, ForeignKey("sources.id", ondelete="SET NULL")),  # once a poll stored something
    Column("last_attempt_at", DateTime(timezone=True)),
    Column("last_success_at", DateTime(timezone=True)),
    Column("outcome", String(32)),  # new | unchanged | not-modified | failed | refused
    Column("error", Text),  # the last failure's reason, cleared by a success
    Column("failures", Integer, nullable=False, default=0),  # consecutive; drives the back-off
    Column("next_due_at", DateTime(timezone=True)),
    Column("etag", Text),
    Column("last_modified", String(128)),
    Column("last_new", Integer, nullable=False, default=0),
    Column("total_new", Integer, nullable=False, default=0),
    Column("polls", Integer, nullable=False, default=0),
)

# -- accounts (web users, sessions, API tokens; migration 0005) --------------------------------------
# Secrets are stored only as hashes: argon2 for passwords, SHA-256 for session and API tokens
# (high-entropy random values, so a fast hash is enough and lets us look them up by hash).
users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),  # admin | analyst | viewer
    Column("disabled", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True)),
)

user_sessions = Table(
    "user_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_user_sessions_user", "user_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Index("ix_api_tokens_user", "user_id"),
)

# -- events (named windows with a query; migration 0006_events) -------------------
# An event restricts every insight (contrast, timelines, co-occurrence, reports) to
# documents published in [starts_at, ends_at) that match `query` (search syntax).
events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("starts_at", DateTime(timezone=True)),
    Column("ends_at", DateTime(timezone=True)),
    Column("query", Text, nullable=False, default=""),
    Column("description", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("matched_through", BigInteger, nullable=False, default=0),  # event_documents covers ids up to here
)

# The documents an event's window and query select, matched once and topped up as documents
# arrive (ids only grow), so that an event scope is a join on a few thousand ids.
event_documents = Table(
    "event_documents",
    metadata,
    Column("event_id", Id, ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("document_id", Id, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    sqlite_with_rowid=False,
)

# Per-day counts that contrast and timeline queries read instead of joining millions of
# labels to their documents.  Kept exact by triggers (SQLite; see migration 0006_events):
# documents per (source, UTC day), and documents carrying each label of a counted layer
# ("frame") per (source, day); day is '' for undated documents.
document_day_counts = Table(
    "document_day_counts",
    metadata,
    Column("source_id", Id, primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("documents", Integer, nullable=False, default=0),
    sqlite_with_rowid=False,  # the key is the order rows are read in: no second b-tree to visit
)

label_day_counts = Table(
    "label_day_counts",
    metadata,
    Column("layer", String(64), primary_key=True),
    Column("label", String(256), primary_key=True),
    Column("source_id", Id, primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("documents", Integer, nullable=False, default=0),
    # Timelines: rows come out in (label, day) order, so grouping streams instead of sorting.
    Index("ix_label_day_counts_day", "layer", "label", "day", "source_id", "documents"),
    sqlite_with_rowid=False,
)

# -- frames (analysts' frame annotations; migration 0004_frames) -----------------------------------
# Append-only: every accept/reject/add is a row with its annotator and time, so a decision can be
# audited and agreement measured; the latest row per (annotator, sentence, frame) is the decision.
# No analyser writes here, so re-running the pipeline never overwrites what an analyst said.
# The one annotation table: the web page, the API and `frameline annotate` all write here (0008 dropped
# the web's former `sentence_judgements`).
frame_annotations = Table(
    "frame_annotations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("document_id", Id, ForeignKey("documents.id", ondelete="CASCADE")),  # null for loose sentences
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("sentence", Text, nullable=False),  # the text as annotated, kept if the document changes
    Column("codebook", String(64), nullable=False),
    Column("codebook_version", String(64), nullable=False),
    Column("frame", String(64), nullable=False),
    Column("decision", String(8), nullable=False),  # accept | reject | add
    Column("annotator", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("machine_score", Float),  # the machine's score when the analyst decided, if it had one
    Column("note", Text),
    Index("ix_frame_annotations_sentence", "document_id", "start", "end"),
    Index("ix_frame_annotations_frame", "frame", "decision"),
)
