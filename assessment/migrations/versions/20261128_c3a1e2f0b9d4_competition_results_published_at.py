"""competition: when the provisional results were published

Revision ID: c3a1e2f0b9d4
Revises: abd720afde48
Create Date: 2026-11-28 18:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a1e2f0b9d4'
down_revision = 'abd720afde48'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('competition') as batch_op:
        batch_op.add_column(sa.Column('results_published_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('competition') as batch_op:
        batch_op.drop_column('results_published_at')
