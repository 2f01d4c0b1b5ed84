"""notification.idempotency_key: one inbox message per person and event for the worker's fan-out

Written by hand: one nullable, unique column on notification. Existing rows keep NULL (direct messages, never
written twice by a job).

Revision ID: i15c_fanout_key
Revises: i13s_snapshot_copies
Create Date: 2026-12-08 13:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i15c_fanout_key'
down_revision = 'i13s_snapshot_copies'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint('uq_notification_idempotency_key', ['idempotency_key'])


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint('uq_notification_idempotency_key', type_='unique')
        batch_op.drop_column('idempotency_key')
