"""one annotation table: the web page's sentence_judgements move into frame_annotations

The web UI and the frames work each built a table for analysts' frame
decisions; `frame_annotations` (append-only, with codebook version, annotator
and the machine's score) is the one that training, agreement and the CLI read,
so the web page now writes there too.  Rows already in `sentence_judgements`
are copied across (codebook and version from the packaged codebook that has
the frame, else codebook "unknown"; the note says where the row came from)
before the table is dropped.  Downgrading recreates the empty table only.

Revision ID: 0008_one_annotation_table
Revises: 0004_frames
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_one_annotation_table'
down_revision = '0004_frames'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
NOTE = 'moved from the web page\'s sentence_judgements by migration 0008'


def _frame_codebooks() -> dict[str, tuple[str, str]]:
    """frame id -> (codebook id, version) of the packaged codebooks; empty if they cannot be read."""
    try:
        from frameline.codebook.store import packaged_codebooks

        return {frame: (book.id, book.version) for book in packaged_codebooks() for frame in book.frame_ids()}
    except Exception:  # noqa: BLE001 - a migration must not fail because a codebook does not parse
        return {}


def upgrade() -> None:
    connection = op.get_bind()
    if 'sentence_judgements' not in sa.inspect(connection).get_table_names():
        return
    meta = sa.MetaData()
    judgements = sa.Table('sentence_judgements', meta, autoload_with=connection)
    documents = sa.Table('documents', meta, autoload_with=connection)
    annotations = sa.Table('frame_annotations', meta, autoload_with=connection)
    rows = connection.execute(
        sa.select(judgements, documents.c.text)
        .join(documents, documents.c.id == judgements.c.document_id)
        .order_by(judgements.c.id)).mappings().all()
    codebooks = _frame_codebooks() if rows else {}
    moved = []
    for row in rows:
        sentence = (row['text'] or '')[row['start']:row['end']]
        if not sentence.strip():
            continue
        label = row['label']
        codebook, version = codebooks.get(label, ('unknown', ''))
        moved.append({'document_id': row['document_id'], 'start': row['start'], 'end': row['end'],
                      'sentence': sentence, 'codebook': codebook, 'codebook_version': version,
                      'frame': label[:64], 'decision': row['decision'], 'annotator': row['actor'],
                      'created_at': row['at'], 'machine_score': None,
                      'note': NOTE if len(label) <= 64 else f'{NOTE}; full label: {label}'})
    if moved:
        connection.execute(annotations.insert(), moved)
    op.drop_index('ix_sentence_judgements_document', table_name='sentence_judgements')
    op.drop_table('sentence_judgements')


def downgrade() -> None:
    op.create_table('sentence_judgements',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('document_id', Id, nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=256), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_sentence_judgements_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sentence_judgements'))
    )
    op.create_index('ix_sentence_judgements_document', 'sentence_judgements', ['document_id', 'start'], unique=False)
