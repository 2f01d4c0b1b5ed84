"""initial schema: regions, users, competitions, participants

Reviewed by hand: timestamps are DateTime(timezone=True) (the models' UTCDateTime keeps them aware UTC in Python,
also on SQLite); enums are VARCHAR with a named CHECK constraint, not PostgreSQL ENUM types, so adding a value later
is a plain constraint change on both databases. Region codes are foreign keys to region.code everywhere.

Revision ID: 98a2afaf4e37
Revises:
Create Date: 2026-11-28 15:45:23.543025

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '98a2afaf4e37'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('provinsi', 'kabupaten', 'kota', 'kecamatan', 'desa', 'desa_adat', 'kelurahan', name='region_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('parent_code', sa.String(length=20), nullable=True),
    sa.Column('decree', sa.String(length=200), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['parent_code'], ['region.code'], name=op.f('fk_region_parent_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region')),
    sa.UniqueConstraint('code', name=op.f('uq_region_code'))
    )
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_parent_code'), ['parent_code'], unique=False)

    op.create_table('stored_rubric',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=128), nullable=False),
    sa.Column('source_format', sa.Enum('yaml', 'xlsx', name='rubric_format', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=True),
    sa.Column('source_bytes', sa.LargeBinary(), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=True),
    sa.Column('rubric_json', sa.Text(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_rubric')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_stored_rubric_fingerprint'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    op.create_table('competition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('scope_region_code', sa.String(length=20), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_competition_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rubric_id'], ['stored_rubric.id'], name=op.f('fk_competition_rubric_id_stored_rubric')),
    sa.ForeignKeyConstraint(['scope_region_code'], ['region.code'], name=op.f('fk_competition_scope_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition'))
    )
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competition_scope_region_code'), ['scope_region_code'], unique=False)

    op.create_table('region_boundary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_region_boundary_region_code_region'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_boundary')),
    sa.UniqueConstraint('region_code', name=op.f('uq_region_boundary_region_code'))
    )
    op.create_table('role_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('panitia', 'asesor', 'ketua_tim', 'dpmd', 'verifikator_kecamatan', 'operator_desa', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('home_region_code', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['home_region_code'], ['region.code'], name=op.f('fk_role_grant_home_region_code_region')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_role_grant_region_code_region')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_role_grant_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grant')),
    sa.UniqueConstraint('user_id', 'role', 'region_code', name='uq_role_grant_user_role_region')
    )
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grant_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grant_user_id'), ['user_id'], unique=False)

    op.create_table('kabupaten_quota',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('kabupaten_code', sa.String(length=20), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.CheckConstraint('quota >= 0', name=op.f('ck_kabupaten_quota_quota_not_negative')),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_kabupaten_quota_competition_id_competition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['kabupaten_code'], ['region.code'], name=op.f('fk_kabupaten_quota_kabupaten_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kabupaten_quota')),
    sa.UniqueConstraint('competition_id', 'kabupaten_code', name='uq_kabupaten_quota_competition_kabupaten')
    )
    with op.batch_alter_table('kabupaten_quota', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kabupaten_quota_competition_id'), ['competition_id'], unique=False)

    op.create_table('participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('desa_code', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('draf', 'diajukan', 'dikembalikan', 'lengkap', name='submission_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_participant_competition_id_competition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['desa_code'], ['region.code'], name=op.f('fk_participant_desa_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant')),
    sa.UniqueConstraint('competition_id', 'desa_code', name='uq_participant_competition_desa')
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_participant_desa_code'), ['desa_code'], unique=False)

    op.create_table('stage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.Enum('pendaftaran', 'penilaian_mandiri', 'verifikasi_kelengkapan', 'penilaian_dokumen', 'rekonsiliasi', 'klarifikasi_lapangan', 'pleno', 'pengumuman_sementara', 'masa_sanggah', 'penetapan', name='stage_code', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_stage_ends_after_start')),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_stage_competition_id_competition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage')),
    sa.UniqueConstraint('competition_id', 'code', name='uq_stage_competition_code')
    )
    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_competition_id'), ['competition_id'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.Enum('file', 'url', name='evidence_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('media_type', sa.String(length=100), nullable=True),
    sa.Column('display_sha256', sa.String(length=64), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=True),
    sa.Column('metadata_json', sa.JSON(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('aktif', 'dihapus', name='evidence_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('duplicate_of_other_desa', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_evidence_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_evidence_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_sha256'), ['sha256'], unique=False)

    op.create_table('self_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=50), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_self_assessment_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_self_assessment_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessment')),
    sa.UniqueConstraint('participant_id', 'indicator_code', name='uq_self_assessment_participant_indicator')
    )
    with op.batch_alter_table('self_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_assessment_participant_id'), ['participant_id'], unique=False)

    op.create_table('submission_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('lengkap', 'dikembalikan', name='review_decision', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_submission_review_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_submission_review_reviewer_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_review'))
    )
    with op.batch_alter_table('submission_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_review_participant_id'), ['participant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('submission_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_review_participant_id'))

    op.drop_table('submission_review')
    with op.batch_alter_table('self_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_assessment_participant_id'))

    op.drop_table('self_assessment')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_sha256'))
        batch_op.drop_index(batch_op.f('ix_evidence_participant_id'))

    op.drop_table('evidence')
    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_competition_id'))

    op.drop_table('stage')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_desa_code'))
        batch_op.drop_index(batch_op.f('ix_participant_competition_id'))

    op.drop_table('participant')
    with op.batch_alter_table('kabupaten_quota', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kabupaten_quota_competition_id'))

    op.drop_table('kabupaten_quota')
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grant_user_id'))
        batch_op.drop_index(batch_op.f('ix_role_grant_region_code'))

    op.drop_table('role_grant')
    op.drop_table('region_boundary')
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competition_scope_region_code'))

    op.drop_table('competition')
    op.drop_table('user_account')
    op.drop_table('stored_rubric')
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_parent_code'))

    op.drop_table('region')
