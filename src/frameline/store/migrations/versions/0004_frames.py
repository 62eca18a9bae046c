"""frames: analysts' frame annotations (accept, reject, add), append-only

Revision ID: 0004_frames
Revises: 0002
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_frames'
down_revision = '0006_events'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('frame_annotations',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('document_id', Id, nullable=True),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('sentence', sa.Text(), nullable=False),
    sa.Column('codebook', sa.String(length=64), nullable=False),
    sa.Column('codebook_version', sa.String(length=64), nullable=False),
    sa.Column('frame', sa.String(length=64), nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=False),
    sa.Column('annotator', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('machine_score', sa.Float(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_frame_annotations_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_frame_annotations'))
    )
    op.create_index('ix_frame_annotations_sentence', 'frame_annotations', ['document_id', 'start', 'end'], unique=False)
    op.create_index('ix_frame_annotations_frame', 'frame_annotations', ['frame', 'decision'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_frame_annotations_frame', table_name='frame_annotations')
    op.drop_index('ix_frame_annotations_sentence', table_name='frame_annotations')
    op.drop_table('frame_annotations')
