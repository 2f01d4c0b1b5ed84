"""audit chain signed with a key kept outside the database, and append-only on SQLite too

Written by hand. Every event gets a ``mac`` (HMAC-SHA256 of its hash under AUDIT_KEY) and the chain head a MAC of
(last_seq, last_hash, signed_from); events already in the chain carry none: signing starts with the next event
(``signed_from`` = last_seq + 1), which covers them through its link. SQLite gets the triggers that refuse UPDATE
and DELETE on audit_event (PostgreSQL has had its trigger since 7bfe95d2e7c3); the statements are written out here
so that this migration never changes when the models do.

Revision ID: b19c4e8a2f60
Revises: a19b2f0c7d31
Create Date: 2026-12-07 11:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b19c4e8a2f60'
down_revision = 'a19b2f0c7d31'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy of the table): the trail's rows are never rewritten.
    op.add_column('audit_event', sa.Column('mac', sa.String(length=64), nullable=True))
    op.add_column('audit_chain_head', sa.Column('signed_from', sa.Integer(), server_default='1', nullable=False))
    op.add_column('audit_chain_head', sa.Column('mac', sa.String(length=64), nullable=True))
    op.execute("UPDATE audit_chain_head SET signed_from = last_seq + 1")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                   "BEGIN SELECT RAISE(ABORT, 'table audit_event is append-only'); END")
        op.execute("CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                   "BEGIN SELECT RAISE(ABORT, 'table audit_event is append-only'); END")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    with op.batch_alter_table('audit_chain_head', schema=None) as batch_op:
        batch_op.drop_column('mac')
        batch_op.drop_column('signed_from')
    if op.get_bind().dialect.name == "postgresql":
        # The column drop is DDL, which the append-only trigger (UPDATE/DELETE/TRUNCATE) does not stop.
        op.drop_column('audit_event', 'mac')
    else:
        # SQLite drops a column by copying the table, which its triggers (dropped above) no longer refuse.
        with op.batch_alter_table('audit_event', schema=None) as batch_op:
            batch_op.drop_column('mac')
