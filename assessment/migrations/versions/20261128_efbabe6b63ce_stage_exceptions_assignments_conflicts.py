"""verification: stage exceptions, assessor assignments, declared conflicts, assessors per desa

Reviewed by hand: enums are VARCHAR + named CHECK (as in the initial schema); an exception needs a non-empty
reason (CHECK); one assignment per (desa, assessor) and one declaration per (assessor, region).

Revision ID: efbabe6b63ce
Revises: 9f431210015e
Create Date: 2026-11-28 16:19:34.884968

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'efbabe6b63ce'
down_revision = '9f431210015e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conflict_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['user_account.id'], name=op.f('fk_conflict_declaration_assessor_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_conflict_declaration_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_declaration')),
    sa.UniqueConstraint('assessor_id', 'region_code', name='uq_conflict_declaration_assessor_region')
    )
    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_declaration_assessor_id'), ['assessor_id'], unique=False)

    op.create_table('verification_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('assessors_per_desa', sa.Integer(), nullable=False),
    sa.CheckConstraint('assessors_per_desa >= 1', name=op.f('ck_verification_settings_at_least_one_assessor')),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_verification_settings_competition_id_competition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_settings')),
    sa.UniqueConstraint('competition_id', name=op.f('uq_verification_settings_competition_id'))
    )
    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('manual', 'csv', 'otomatis', name='assignment_method', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['user_account.id'], name=op.f('fk_assignment_assessor_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_assignment_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_assignment_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment')),
    sa.UniqueConstraint('participant_id', 'assessor_id', name='uq_assignment_participant_assessor')
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_assessor_id'), ['assessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_participant_id'), ['participant_id'], unique=False)

    op.create_table('stage_exception',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('pendaftaran', 'penilaian_mandiri', 'verifikasi_kelengkapan', 'penilaian_dokumen', 'rekonsiliasi', 'klarifikasi_lapangan', 'pleno', 'pengumuman_sementara', 'masa_sanggah', 'penetapan', name='stage_code', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('indicator_code', sa.String(length=50), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_stage_exception_reason_given')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_stage_exception_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_stage_exception_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_exception'))
    )
    with op.batch_alter_table('stage_exception', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_exception_participant_id'), ['participant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('stage_exception', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_exception_participant_id'))

    op.drop_table('stage_exception')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_participant_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_assessor_id'))

    op.drop_table('assignment')
    op.drop_table('verification_settings')
    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflict_declaration_assessor_id'))

    op.drop_table('conflict_declaration')
