"""collection: per-target status of the monitor (`frameline watch`)

Revision ID: 0007_collection
Revises: 0002
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_collection'
down_revision = '0003_perf'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('collection_status',
    sa.Column('target', sa.String(length=2048), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('source_id', Id, nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('last_modified', sa.String(length=128), nullable=True),
    sa.Column('last_new', sa.Integer(), nullable=False),
    sa.Column('total_new', sa.Integer(), nullable=False),
    sa.Column('polls', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_collection_status_source_id_sources'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('target', name=op.f('pk_collection_status'))
    )


def downgrade() -> None:
    op.drop_table('collection_status')
