"""public checks counted per address (public_check), so every app server applies the same limit

Written by hand: one table, looked up by (address, at); nothing else changes.

Revision ID: 5e0c2b9a7d41
Revises: b1aed4919051
Create Date: 2026-11-28 22:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e0c2b9a7d41'
down_revision = 'b1aed4919051'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_check'))
    )
    with op.batch_alter_table('public_check', schema=None) as batch_op:
        batch_op.create_index('ix_public_check_address_at', ['address', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('public_check', schema=None) as batch_op:
        batch_op.drop_index('ix_public_check_address_at')
    op.drop_table('public_check')
