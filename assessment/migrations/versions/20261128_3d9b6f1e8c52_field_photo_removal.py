"""field photos can be withdrawn: when, by whom and why (the row and the files stay)

Written by hand: three nullable columns on field_photo; existing photos are not withdrawn.

Revision ID: 3d9b6f1e8c52
Revises: 8a4f3c6e2b17
Create Date: 2026-11-28 22:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d9b6f1e8c52'
down_revision = '8a4f3c6e2b17'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('field_photo', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('removed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('removed_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_field_photo_removed_by_id_user_account'), 'user_account',
                                    ['removed_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('field_photo', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_field_photo_removed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('removed_reason')
        batch_op.drop_column('removed_by_id')
        batch_op.drop_column('removed_at')
