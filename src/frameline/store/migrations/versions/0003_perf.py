"""perf: the application fills the SQLite full-text index, one statement per batch

Revision ID: 0003_perf
Revises: 0002
Create Date: 2026-11-25

`SqlStore.write_prepared` inserts each batch's rows into `documents_fts` with one
INSERT … SELECT, which costs about a third of the per-row trigger it replaces
(see benchmarks/README.md).  Deletes and updates of documents still keep the index
right through their triggers.  Every document inserted by Frameline goes through
that method; rows inserted by hand with another SQLite client need
`INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')` to become searchable.
PostgreSQL's generated tsvector column needs nothing.
"""
from alembic import op


revision = '0003_perf'
down_revision = '0002'
branch_labels = None
depends_on = None

INSERT_TRIGGER = """CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
        INSERT INTO documents_fts(rowid, title_norm, text_norm)
        VALUES (new.id, new.title_norm, new.text_norm);
    END"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS documents_fts_insert")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(INSERT_TRIGGER)
