"""notification e-mail outbox: the address to mail, when it was mailed, failed attempts

Written by hand: three columns on notification. Existing rows get mail_to NULL (inbox only: their e-mail, if
any, was sent or dropped when they were made) and mail_attempts 0.

Revision ID: 8a4f3c6e2b17
Revises: 5e0c2b9a7d41
Create Date: 2026-11-28 22:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a4f3c6e2b17'
down_revision = '5e0c2b9a7d41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_to', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('mail_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_notification_mailed_at'), ['mailed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_mailed_at'))
        batch_op.drop_column('mail_attempts')
        batch_op.drop_column('mailed_at')
        batch_op.drop_column('mail_to')
