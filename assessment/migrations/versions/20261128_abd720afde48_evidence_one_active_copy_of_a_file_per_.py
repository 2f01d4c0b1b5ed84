"""evidence: one active copy of a file per indicator

Reviewed by hand: a partial unique index (SQLite and PostgreSQL both support WHERE on an index), so two
simultaneous uploads of the same file for the same indicator cannot both create a row.

Revision ID: abd720afde48
Revises: b7da86f074c7
Create Date: 2026-11-28 17:35:12.746400

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'abd720afde48'
down_revision = 'b7da86f074c7'
branch_labels = None
depends_on = None

ACTIVE_FILE = "status = 'aktif' AND kind = 'file'"


def upgrade():
    op.create_index('uq_evidence_active_file', 'evidence', ['participant_id', 'indicator_code', 'sha256'],
                    unique=True, sqlite_where=sa.text(ACTIVE_FILE), postgresql_where=sa.text(ACTIVE_FILE))


def downgrade():
    op.drop_index('uq_evidence_active_file', table_name='evidence')
