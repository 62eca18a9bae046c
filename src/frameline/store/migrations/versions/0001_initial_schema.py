"""initial schema: sources, documents, spans, labels, run bookkeeping, imports, audit; full-text index

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)

    op.create_table('imports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('importer', sa.String(length=64), nullable=False),
    sa.Column('arguments', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('duplicate', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('rejects_file', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imports'))
    )
    op.create_table('sources',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=512), nullable=False),
    sa.Column('handle', sa.String(length=512), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('metadata', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('kind', 'name', name=op.f('uq_sources_kind_name'))
    )
    op.create_table('documents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('native_id', sa.String(length=512), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('author', sa.String(length=512), nullable=True),
    sa.Column('author_id', sa.String(length=256), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('title_norm', sa.Text(), nullable=True),
    sa.Column('text_norm', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('reply_to', sa.String(length=512), nullable=True),
    sa.Column('forwarded_from', sa.String(length=512), nullable=True),
    sa.Column('media', sa.JSON(), nullable=True),
    sa.Column('metadata', sa.JSON(), nullable=True),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_documents_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('source_id', 'native_id', name=op.f('uq_documents_source_id_native_id'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_content_hash', ['content_hash'], unique=False)
        batch_op.create_index('ix_documents_language', ['language'], unique=False)
        batch_op.create_index('ix_documents_published', ['published_at'], unique=False)
        batch_op.create_index('ix_documents_source_published', ['source_id', 'published_at'], unique=False)

    op.create_table('source_groups',
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('group_name', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_source_groups_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('source_id', 'group_name', name=op.f('pk_source_groups'))
    )
    with op.batch_alter_table('source_groups', schema=None) as batch_op:
        batch_op.create_index('ix_source_groups_group', ['group_name', 'source_id'], unique=False)

    op.create_table('analysis_state',
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('analyser', sa.String(length=128), nullable=False),
    sa.Column('analyser_version', sa.String(length=64), nullable=False),
    sa.Column('config_version', sa.String(length=64), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_analysis_state_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', 'analyser', name=op.f('pk_analysis_state'))
    )
    with op.batch_alter_table('analysis_state', schema=None) as batch_op:
        batch_op.create_index('ix_analysis_state_analyser', ['analyser', 'analyser_version', 'config_version'], unique=False)

    op.create_table('doc_labels',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('layer', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=256), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('producer', sa.String(length=128), nullable=False),
    sa.Column('producer_version', sa.String(length=64), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_doc_labels_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_doc_labels'))
    )
    with op.batch_alter_table('doc_labels', schema=None) as batch_op:
        batch_op.create_index('ix_doc_labels_document_layer', ['document_id', 'layer'], unique=False)
        batch_op.create_index('ix_doc_labels_layer_label', ['layer', 'label', 'document_id'], unique=False)

    op.create_table('spans',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('layer', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=256), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('producer', sa.String(length=128), nullable=False),
    sa.Column('producer_version', sa.String(length=64), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_spans_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spans'))
    )
    with op.batch_alter_table('spans', schema=None) as batch_op:
        batch_op.create_index('ix_spans_document_layer', ['document_id', 'layer'], unique=False)
        batch_op.create_index('ix_spans_layer_label', ['layer', 'label'], unique=False)


    create_fulltext_index()

def downgrade() -> None:
    drop_fulltext_index()
    with op.batch_alter_table('spans', schema=None) as batch_op:
        batch_op.drop_index('ix_spans_layer_label')
        batch_op.drop_index('ix_spans_document_layer')

    op.drop_table('spans')
    with op.batch_alter_table('doc_labels', schema=None) as batch_op:
        batch_op.drop_index('ix_doc_labels_layer_label')
        batch_op.drop_index('ix_doc_labels_document_layer')

    op.drop_table('doc_labels')
    with op.batch_alter_table('analysis_state', schema=None) as batch_op:
        batch_op.drop_index('ix_analysis_state_analyser')

    op.drop_table('analysis_state')
    with op.batch_alter_table('source_groups', schema=None) as batch_op:
        batch_op.drop_index('ix_source_groups_group')

    op.drop_table('source_groups')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_source_published')
        batch_op.drop_index('ix_documents_published')
        batch_op.drop_index('ix_documents_language')
        batch_op.drop_index('ix_documents_content_hash')

    op.drop_table('documents')
    op.drop_table('sources')
    op.drop_table('imports')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_at')

    op.drop_table('audit_log')


# Search matches the Arabic- and case-normalised columns (title_norm, text_norm),
# which the application fills with frameline.text.search_words.index_text (normalised search words, space-separated).
SQLITE_FTS = [
    """CREATE VIRTUAL TABLE documents_fts USING fts5(
        title_norm, text_norm, content='documents', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
        INSERT INTO documents_fts(rowid, title_norm, text_norm)
        VALUES (new.id, new.title_norm, new.text_norm);
    END""",
    """CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
        INSERT INTO documents_fts(documents_fts, rowid, title_norm, text_norm)
        VALUES ('delete', old.id, old.title_norm, old.text_norm);
    END""",
    """CREATE TRIGGER documents_fts_update AFTER UPDATE OF title_norm, text_norm ON documents BEGIN
        INSERT INTO documents_fts(documents_fts, rowid, title_norm, text_norm)
        VALUES ('delete', old.id, old.title_norm, old.text_norm);
        INSERT INTO documents_fts(rowid, title_norm, text_norm)
        VALUES (new.id, new.title_norm, new.text_norm);
    END""",
]
# A tsvector holds at most 1 MB, so PostgreSQL indexes the first POSTGRES_INDEXED_CHARS
# characters of a document; longer documents (whole books) are searchable in that prefix.
POSTGRES_INDEXED_CHARS = 200_000
POSTGRES_FTS = [
    f"""ALTER TABLE documents ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', left(coalesce(title_norm, ''), 10000)), 'A')
        || setweight(to_tsvector('simple', left(text_norm, {POSTGRES_INDEXED_CHARS})), 'B')) STORED""",
    "CREATE INDEX ix_documents_search_vector ON documents USING GIN (search_vector)",
]


def create_fulltext_index() -> None:
    statements = SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else POSTGRES_FTS
    for statement in statements:
        op.execute(statement)


def drop_fulltext_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS documents_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS documents_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_documents_search_vector")
        op.execute("ALTER TABLE documents DROP COLUMN IF EXISTS search_vector")
