"""verification: desk scores, evidence verdicts, uji akses records

Reviewed by hand: one score, one uji akses per (assignment, indicator) and one verdict per (assignment,
evidence); desk_score.version is the optimistic lock; verdicts are VARCHAR + named CHECK.

Revision ID: d20c73f4511d
Revises: efbabe6b63ce
Create Date: 2026-11-28 16:29:33.835929

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd20c73f4511d'
down_revision = 'efbabe6b63ce'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('access_test',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=50), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_access_test_assignment_id_assignment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_test')),
    sa.UniqueConstraint('assignment_id', 'indicator_code', name='uq_access_test_assignment_indicator')
    )
    with op.batch_alter_table('access_test', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_test_assignment_id'), ['assignment_id'], unique=False)

    op.create_table('desk_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=50), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('not_applicable', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_desk_score_assignment_id_assignment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_score')),
    sa.UniqueConstraint('assignment_id', 'indicator_code', name='uq_desk_score_assignment_indicator')
    )
    with op.batch_alter_table('desk_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_score_assignment_id'), ['assignment_id'], unique=False)

    op.create_table('evidence_judgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.Enum('valid', 'tidak_valid', 'tidak_cukup', name='evidence_verdict', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_evidence_judgement_assignment_id_assignment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_evidence_judgement_evidence_id_evidence'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_judgement')),
    sa.UniqueConstraint('assignment_id', 'evidence_id', name='uq_evidence_judgement_assignment_evidence')
    )
    with op.batch_alter_table('evidence_judgement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_judgement_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_judgement_evidence_id'), ['evidence_id'], unique=False)



def downgrade():
    with op.batch_alter_table('evidence_judgement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_judgement_evidence_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_judgement_assignment_id'))

    op.drop_table('evidence_judgement')
    with op.batch_alter_table('desk_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_score_assignment_id'))

    op.drop_table('desk_score')
    with op.batch_alter_table('access_test', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_test_assignment_id'))

    op.drop_table('access_test')
