"""verification: the ketua tim's reconciled levels

Reviewed by hand: one agreed level per (participant, indicator), a non-empty reason (CHECK).

Revision ID: dd4553c537dd
Revises: d20c73f4511d
Create Date: 2026-11-28 16:38:13.431531

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dd4553c537dd'
down_revision = 'd20c73f4511d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reconciliation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=50), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_reconciliation_reason_given')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_reconciliation_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_reconciliation_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation')),
    sa.UniqueConstraint('participant_id', 'indicator_code', name='uq_reconciliation_participant_indicator')
    )
    with op.batch_alter_table('reconciliation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_participant_id'), ['participant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('reconciliation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_participant_id'))

    op.drop_table('reconciliation')
