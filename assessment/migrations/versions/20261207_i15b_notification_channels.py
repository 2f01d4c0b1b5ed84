"""notification channels on the account: a mobile number (E.164), e-mail on/off, WhatsApp/SMS opt-in

Written by hand: three columns on user_account. Existing accounts keep e-mail (as before) and have no number and
no WhatsApp until the person opts in.

Revision ID: i15b_notification_channels
Revises: i15a_job_queue
Create Date: 2026-12-07 10:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i15b_notification_channels'
down_revision = 'i15a_job_queue'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('notify_email', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_whatsapp', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('notify_whatsapp')
        batch_op.drop_column('notify_email')
        batch_op.drop_column('phone')
