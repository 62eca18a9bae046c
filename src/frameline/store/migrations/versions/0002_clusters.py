"""clusters: per-document near-duplicate signatures, re-post clusters and their members

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('document_signatures',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('document_id', Id, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_signatures_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_signatures')),
    sa.UniqueConstraint('document_id', 'kind', name=op.f('uq_document_signatures_document_id_kind'))
    )
    op.create_index('ix_document_signatures_kind', 'document_signatures', ['kind', 'id'], unique=False)
    op.create_table('clusters',
    sa.Column('id', Id, autoincrement=False, nullable=False),
    sa.Column('first_document_id', Id, nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sources', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clusters'))
    )
    op.create_index('ix_clusters_size', 'clusters', ['size'], unique=False)
    op.create_table('cluster_members',
    sa.Column('document_id', Id, nullable=False),
    sa.Column('cluster_id', Id, nullable=False),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('matched_document_id', Id, nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_cluster_members_cluster_id_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_cluster_members_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_cluster_members'))
    )
    op.create_index('ix_cluster_members_cluster', 'cluster_members', ['cluster_id', 'document_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cluster_members_cluster', table_name='cluster_members')
    op.drop_table('cluster_members')
    op.drop_index('ix_clusters_size', table_name='clusters')
    op.drop_table('clusters')
    op.drop_index('ix_document_signatures_kind', table_name='document_signatures')
    op.drop_table('document_signatures')
