"""the committee's withdrawals of a desa from the ranking, each with a written reason (issue 13)

Written by hand: one new table; at most one withdrawal in force per participant (partial unique index).

Revision ID: 4c7e1f9a2b63
Revises: i16a_link_captures
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c7e1f9a2b63'
down_revision = 'i16a_link_captures'
branch_labels = None
depends_on = None

IN_FORCE = "revoked_at IS NULL"


def upgrade():
    op.create_table('ranking_withdrawal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_ranking_withdrawal_reason_given')),
    sa.CheckConstraint('revoked_at IS NULL OR length(revoke_reason) > 0',
                       name=op.f('ck_ranking_withdrawal_revoke_reason_given')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_ranking_withdrawal_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'],
                            name=op.f('fk_ranking_withdrawal_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'],
                            name=op.f('fk_ranking_withdrawal_revoked_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_withdrawal'))
    )
    with op.batch_alter_table('ranking_withdrawal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ranking_withdrawal_participant_id'), ['participant_id'], unique=False)
    op.create_index('uq_ranking_withdrawal_in_force', 'ranking_withdrawal', ['participant_id'], unique=True,
                    sqlite_where=sa.text(IN_FORCE), postgresql_where=sa.text(IN_FORCE))


def downgrade():
    op.drop_index('uq_ranking_withdrawal_in_force', table_name='ranking_withdrawal')
    with op.batch_alter_table('ranking_withdrawal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ranking_withdrawal_participant_id'))
    op.drop_table('ranking_withdrawal')
