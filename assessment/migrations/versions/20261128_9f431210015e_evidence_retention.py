"""evidence retention: evidence_purge records each evidence file deleted at the end of its retention period

Reviewed by hand: one purge per evidence row (unique), removed with the row; the row itself and its SHA-256 stay.

Revision ID: 9f431210015e
Revises: 60350ddf6bf0
Create Date: 2026-11-28 16:58:01.568421

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9f431210015e'
down_revision = '60350ddf6bf0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence_purge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_evidence_purge_evidence_id_evidence'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_purge')),
    sa.UniqueConstraint('evidence_id', name=op.f('uq_evidence_purge_evidence_id'))
    )


def downgrade():
    op.drop_table('evidence_purge')
