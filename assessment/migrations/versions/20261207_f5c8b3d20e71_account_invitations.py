"""account invitations: single-use links (only a hash of the token stored) where a new account chooses a password

Written by hand: one new table. Accounts made before keep their passwords and have no invitation.

Revision ID: f5c8b3d20e71
Revises: e4b7a2c19d60
Create Date: 2026-12-07 11:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f5c8b3d20e71'
down_revision = 'e4b7a2c19d60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('batch', sa.String(length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mail_attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_account_invitation_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_account_invitation_user_id_user_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_invitation_token_hash'))
    )
    with op.batch_alter_table('account_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_invitation_batch'), ['batch'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_invitation_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('account_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_invitation_user_id'))
        batch_op.drop_index(batch_op.f('ix_account_invitation_batch'))
    op.drop_table('account_invitation')
