"""field verification (field levels, field photos, finalist rule) and corrections of agreed levels

Reviewed by hand: one field level per (participant, indicator); the finalist rule defaults to the top 3 of each
kabupaten for existing settings rows, with a CHECK of at least one finalist; corrections only add rows.

Revision ID: bb671bd0cb96
Revises: c3a1e2f0b9d4
Create Date: 2026-11-28 18:41:57.441968

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bb671bd0cb96'
down_revision = 'c3a1e2f0b9d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('field_level',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=50), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_field_level_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_field_level_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_level')),
    sa.UniqueConstraint('participant_id', 'indicator_code', name='uq_field_level_participant_indicator')
    )
    with op.batch_alter_table('field_level', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_level_participant_id'), ['participant_id'], unique=False)

    op.create_table('field_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=50), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('display_sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('metadata_json', sa.JSON(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_field_photo_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_field_photo_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_photo'))
    )
    with op.batch_alter_table('field_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_photo_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_field_photo_sha256'), ['sha256'], unique=False)

    op.create_table('reconciliation_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reconciliation_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('corrected_by_id', sa.Integer(), nullable=True),
    sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['user_account.id'], name=op.f('fk_reconciliation_correction_corrected_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_reconciliation_correction_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reconciliation_id'], ['reconciliation.id'], name=op.f('fk_reconciliation_correction_reconciliation_id_reconciliation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_correction'))
    )
    with op.batch_alter_table('reconciliation_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_correction_reconciliation_id'), ['reconciliation_id'], unique=False)

    with op.batch_alter_table('verification_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finalist_scope', sa.Enum('provinsi', 'kabupaten', name='finalist_scope', native_enum=False, create_constraint=True), server_default='kabupaten', nullable=False))
        batch_op.add_column(sa.Column('finalists', sa.Integer(), server_default='3', nullable=False))
        batch_op.create_check_constraint(op.f('ck_verification_settings_at_least_one_finalist'), 'finalists >= 1')



def downgrade():
    with op.batch_alter_table('verification_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_verification_settings_at_least_one_finalist'), type_='check')
        batch_op.drop_column('finalists')
        batch_op.drop_constraint(op.f('ck_verification_settings_finalist_scope'), type_='check')
        batch_op.drop_column('finalist_scope')

    with op.batch_alter_table('reconciliation_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_correction_reconciliation_id'))

    op.drop_table('reconciliation_correction')
    with op.batch_alter_table('field_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_photo_sha256'))
        batch_op.drop_index(batch_op.f('ix_field_photo_participant_id'))

    op.drop_table('field_photo')
    with op.batch_alter_table('field_level', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_level_participant_id'))

    op.drop_table('field_level')
