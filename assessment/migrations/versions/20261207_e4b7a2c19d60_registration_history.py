"""registration history: every nomination, enrolment, withdrawal and removal of a desa, with who and why

Written by hand: one new table. Participants made before (the demo, tests) keep an empty history.

Revision ID: e4b7a2c19d60
Revises: i15b_notification_channels
Create Date: 2026-12-07 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b7a2c19d60'
down_revision = 'i15b_notification_channels'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registration_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('desa_code', sa.String(length=20), nullable=False),
    sa.Column('action', sa.Enum('daftar', 'tarik', name='registration_action', native_enum=False,
                                create_constraint=True, length=6), nullable=False),
    sa.Column('channel', sa.Enum('dpmd', 'panitia', 'berkas', name='registration_channel', native_enum=False,
                                 create_constraint=True, length=7), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_registration_event_by_id_user_account'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'],
                            name=op.f('fk_registration_event_competition_id_competition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['desa_code'], ['region.code'], name=op.f('fk_registration_event_desa_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_event'))
    )
    with op.batch_alter_table('registration_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_event_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_event_desa_code'), ['desa_code'], unique=False)


def downgrade():
    with op.batch_alter_table('registration_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_event_desa_code'))
        batch_op.drop_index(batch_op.f('ix_registration_event_competition_id'))
    op.drop_table('registration_event')
