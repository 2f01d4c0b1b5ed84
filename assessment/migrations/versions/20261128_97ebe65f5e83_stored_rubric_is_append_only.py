"""stored rubric is append-only

The database refuses any UPDATE or DELETE of a stored rubric (and TRUNCATE on PostgreSQL): published scores rest
on it. The statements are the ones assessment.models.guards gives db.create_all(), written out here so that this
migration never changes when the models do.

Revision ID: 97ebe65f5e83
Revises: 98a2afaf4e37
Create Date: 2026-11-28 16:36:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '97ebe65f5e83'
down_revision = '98a2afaf4e37'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION refuse_change_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n    RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME;\nEND\n$$"
        )
        op.execute(
            "CREATE TRIGGER stored_rubric_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON stored_rubric "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER stored_rubric_no_update BEFORE UPDATE ON stored_rubric "
            "BEGIN SELECT RAISE(ABORT, 'table stored_rubric is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER stored_rubric_no_delete BEFORE DELETE ON stored_rubric "
            "BEGIN SELECT RAISE(ABORT, 'table stored_rubric is append-only'); END"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS stored_rubric_append_only ON stored_rubric")
        op.execute("DROP FUNCTION IF EXISTS refuse_change_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS stored_rubric_no_update")
        op.execute("DROP TRIGGER IF EXISTS stored_rubric_no_delete")
