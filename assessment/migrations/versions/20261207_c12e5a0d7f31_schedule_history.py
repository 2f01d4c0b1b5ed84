"""schedule history: every change of a competition's stage dates, with its reason, stage by stage (append-only)

Written by hand: two new tables; the database refuses UPDATE and DELETE on both (and TRUNCATE on PostgreSQL)
with the statements assessment.models.guards gives db.create_all(), written out here so that this migration never
changes when the models do. Competitions made before keep an empty history.

Revision ID: c12e5a0d7f31
Revises: 3d9b6f1e8c52
Create Date: 2026-12-07 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c12e5a0d7f31'
down_revision = '3d9b6f1e8c52'
branch_labels = None
depends_on = None

STAGE_CODES = ('pendaftaran', 'penilaian_mandiri', 'verifikasi_kelengkapan', 'penilaian_dokumen', 'rekonsiliasi',
               'klarifikasi_lapangan', 'pleno', 'pengumuman_sementara', 'masa_sanggah', 'penetapan')
TABLES = ('schedule_change', 'schedule_change_stage')


def upgrade():
    op.create_table('schedule_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_by_label', sa.String(length=320), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_schedule_change_reason_given')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_schedule_change_changed_by_id_user_account')),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_schedule_change_competition_id_competition')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_change'))
    )
    with op.batch_alter_table('schedule_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_change_competition_id'), ['competition_id'], unique=False)

    op.create_table('schedule_change_stage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum(*STAGE_CODES, name='stage_code', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('before_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('before_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('after_starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('after_ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shifted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['schedule_change.id'], name=op.f('fk_schedule_change_stage_change_id_schedule_change')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_change_stage'))
    )
    with op.batch_alter_table('schedule_change_stage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_change_stage_change_id'), ['change_id'], unique=False)

    for table in TABLES:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(
                "CREATE OR REPLACE FUNCTION refuse_change_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "BEGIN\n    RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME;\nEND\n$$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_append_only()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END"
            )


def downgrade():
    # Dropping a table drops its triggers; the PostgreSQL function stays (other append-only tables use it).
    with op.batch_alter_table('schedule_change_stage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_change_stage_change_id'))
    op.drop_table('schedule_change_stage')
    with op.batch_alter_table('schedule_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_change_competition_id'))
    op.drop_table('schedule_change')
