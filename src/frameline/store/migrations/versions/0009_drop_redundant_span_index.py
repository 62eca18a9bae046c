"""drop ix_spans_layer_label: ix_spans_layer_label_score starts with the same columns

Every lookup by (layer, label) can use `ix_spans_layer_label_score` (layer,
label, score), added by 0006 for evidence; keeping both only made each span
insert maintain one more b-tree, and analysis writes spans more than anything
else.  Downgrading recreates it.

Revision ID: 0009_drop_redundant_span_index
Revises: 0008_one_annotation_table
Create Date: 2026-12-02
"""
from alembic import op


revision = '0009_drop_redundant_span_index'
down_revision = '0008_one_annotation_table'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_spans_layer_label', table_name='spans', if_exists=True)


def downgrade() -> None:
    op.create_index('ix_spans_layer_label', 'spans', ['layer', 'label'], unique=False)
