"""events, and per-day counts for contrast and timeline queries

Revision ID: 0006_events
Revises: 0002
Create Date: 2026-11-25

- `events`: named windows with a search query that every insight can be restricted to, and
  `event_documents`, the documents each matches (topped up as documents arrive).
- `document_day_counts` / `label_day_counts`: documents per (source, UTC day) and documents
  carrying each "frame" label per (source, day), so that a contrast or timeline over a million
  documents sums a few thousand rows instead of joining a million labels.  On SQLite, triggers
  keep them exact through every insert, delete and re-dating (a document counts once per label
  whichever analysers wrote it); existing data is counted once here.  PostgreSQL answers those
  queries from the base tables (see frameline.store.aggregates), so it has the tables but no triggers.
- `ix_spans_layer_label_score`: the best-scoring evidence spans of a frame without a sort.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_events'
down_revision = '0005_accounts'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
COUNTED_LAYERS = "('frame')"  # SQL list; frameline.store.aggregates.COUNTED_LAYERS says the same
DAY = "coalesce(substr({0}.published_at, 1, 10), '')"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER day_counts_document_insert AFTER INSERT ON documents BEGIN
        INSERT INTO document_day_counts (source_id, day, documents) VALUES (new.source_id, {DAY.format('new')}, 1)
        ON CONFLICT (source_id, day) DO UPDATE SET documents = documents + 1;
    END""",
    # Before the row goes, so that the label rows it cascades to are counted out while it can still be read.
    f"""CREATE TRIGGER day_counts_document_delete BEFORE DELETE ON documents BEGIN
        UPDATE document_day_counts SET documents = documents - 1
        WHERE source_id = old.source_id AND day = {DAY.format('old')};
        DELETE FROM doc_labels WHERE document_id = old.id AND layer IN {COUNTED_LAYERS};
    END""",
    f"""CREATE TRIGGER day_counts_document_redate AFTER UPDATE OF published_at, source_id ON documents BEGIN
        UPDATE document_day_counts SET documents = documents - 1
        WHERE source_id = old.source_id AND day = {DAY.format('old')};
        INSERT INTO document_day_counts (source_id, day, documents) VALUES (new.source_id, {DAY.format('new')}, 1)
        ON CONFLICT (source_id, day) DO UPDATE SET documents = documents + 1;
        UPDATE label_day_counts SET documents = documents - 1
        WHERE source_id = old.source_id AND day = {DAY.format('old')} AND (layer, label) IN (
            SELECT DISTINCT layer, label FROM doc_labels WHERE document_id = old.id AND layer IN {COUNTED_LAYERS});
        INSERT INTO label_day_counts (layer, label, source_id, day, documents)
        SELECT DISTINCT layer, label, new.source_id, {DAY.format('new')}, 1 FROM doc_labels
        WHERE document_id = new.id AND layer IN {COUNTED_LAYERS}
        ON CONFLICT (layer, label, source_id, day) DO UPDATE SET documents = documents + 1;
    END""",
    # A label counts when the first row of it appears on a document ...
    f"""CREATE TRIGGER day_counts_label_insert AFTER INSERT ON doc_labels
    WHEN new.layer IN {COUNTED_LAYERS} AND NOT EXISTS (
        SELECT 1 FROM doc_labels WHERE document_id = new.document_id AND layer = new.layer
        AND label = new.label AND id != new.id)
    BEGIN
        INSERT INTO label_day_counts (layer, label, source_id, day, documents)
        SELECT new.layer, new.label, source_id, {DAY.format('documents')}, 1 FROM documents WHERE id = new.document_id
        ON CONFLICT (layer, label, source_id, day) DO UPDATE SET documents = documents + 1;
    END""",
    # ... and stops counting when the last one goes.
    f"""CREATE TRIGGER day_counts_label_delete AFTER DELETE ON doc_labels
    WHEN old.layer IN {COUNTED_LAYERS} AND NOT EXISTS (
        SELECT 1 FROM doc_labels WHERE document_id = old.document_id AND layer = old.layer AND label = old.label)
    BEGIN
        UPDATE label_day_counts SET documents = documents - 1
        WHERE layer = old.layer AND label = old.label AND (source_id, day) IN (
            SELECT source_id, {DAY.format('documents')} FROM documents WHERE id = old.document_id);
    END""",
]
SQLITE_BACKFILL = [
    f"""INSERT INTO document_day_counts (source_id, day, documents)
        SELECT source_id, {DAY.format('documents')}, count(*) FROM documents GROUP BY 1, 2""",
    f"""INSERT INTO label_day_counts (layer, label, source_id, day, documents)
        SELECT l.layer, l.label, d.source_id, {DAY.format('d')}, count(DISTINCT d.id)
        FROM doc_labels l JOIN documents d ON d.id = l.document_id
        WHERE l.layer IN {COUNTED_LAYERS} GROUP BY 1, 2, 3, 4""",
]


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('matched_through', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('name', name=op.f('uq_events_name'))
    )
    op.create_table('event_documents',
    sa.Column('event_id', Id, nullable=False),
    sa.Column('document_id', Id, nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_documents_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_event_documents_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'document_id', name=op.f('pk_event_documents')),
    sqlite_with_rowid=False,
    )
    op.create_table('document_day_counts',
    sa.Column('source_id', Id, nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('source_id', 'day', name=op.f('pk_document_day_counts')),
    sqlite_with_rowid=False,
    )
    op.create_table('label_day_counts',
    sa.Column('layer', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=256), nullable=False),
    sa.Column('source_id', Id, nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('layer', 'label', 'source_id', 'day', name=op.f('pk_label_day_counts')),
    sqlite_with_rowid=False,
    )
    op.create_index('ix_label_day_counts_day', 'label_day_counts',
                    ['layer', 'label', 'day', 'source_id', 'documents'], unique=False)
    op.create_index('ix_spans_layer_label_score', 'spans', ['layer', 'label', 'score'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS + SQLITE_BACKFILL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("document_insert", "document_delete", "document_redate", "label_insert", "label_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS day_counts_{name}")
    op.drop_index('ix_spans_layer_label_score', table_name='spans')
    op.drop_index('ix_label_day_counts_day', table_name='label_day_counts')
    op.drop_table('label_day_counts')
    op.drop_table('document_day_counts')
    op.drop_table('event_documents')
    op.drop_table('events')
