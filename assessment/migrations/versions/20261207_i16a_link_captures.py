"""link captures (link_capture): what a linked page showed when the worker fetched it

Written by hand: one new table; nothing else changes. Links given before this revision get their first capture
from the worker's periodic sweep of links without one.

Revision ID: i16a_link_captures
Revises: b19c4e8a2f60
Create Date: 2026-12-07 11:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i16a_link_captures'
down_revision = 'b19c4e8a2f60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('link_capture',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.Enum('added', 'sweep', 'recheck', name='capture_trigger', native_enum=False,
                                 create_constraint=True), nullable=False),
    sa.Column('outcome', sa.Enum('archived', 'not_html', 'not_found', 'http_error', 'unreachable', 'timeout',
                                 'too_large', 'refused', name='capture_outcome', native_enum=False,
                                 create_constraint=True), nullable=False),
    sa.Column('requested_url', sa.String(length=2048), nullable=False),
    sa.Column('final_url', sa.String(length=2048), nullable=True),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('media_type', sa.String(length=100), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=True),
    sa.Column('body_sha256', sa.String(length=64), nullable=True),
    sa.Column('body_size', sa.Integer(), nullable=True),
    sa.Column('archive_sha256', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('detail', sa.String(length=500), nullable=True),
    sa.Column('feed_json', sa.JSON(), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_link_capture_evidence_id_evidence'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_capture'))
    )
    with op.batch_alter_table('link_capture', schema=None) as batch_op:
        batch_op.create_index('ix_link_capture_evidence_time', ['evidence_id', 'fetched_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_capture_body_sha256'), ['body_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_capture_archive_sha256'), ['archive_sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('link_capture', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_capture_archive_sha256'))
        batch_op.drop_index(batch_op.f('ix_link_capture_body_sha256'))
        batch_op.drop_index('ix_link_capture_evidence_time')
    op.drop_table('link_capture')
