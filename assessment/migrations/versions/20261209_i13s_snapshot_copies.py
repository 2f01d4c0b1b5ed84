"""the final snapshot's two copies: the committee's complete copy beside the public one (issue 13, point 4)

Written by hand: two nullable columns on final_snapshot. Snapshots sealed before (formats 1 and 2) keep one copy,
``canonical_json``, served to everyone as before; from format 3 ``canonical_json`` is the public copy (its
``sha256`` is the one printed and published) and ``committee_json`` the committee's complete copy.

Revision ID: i13s_snapshot_copies
Revises: i16b_link_screenshots
Create Date: 2026-12-09 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i13s_snapshot_copies'
down_revision = 'i16b_link_screenshots'
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN changes no row, so the append-only triggers stay as they are (SQLite and PostgreSQL).
    op.add_column('final_snapshot', sa.Column('committee_json', sa.Text(), nullable=True))
    op.add_column('final_snapshot', sa.Column('committee_sha256', sa.String(length=64), nullable=True))


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        # SQLite rebuilds the table to drop a column: its guard triggers go with it and are put back after.
        op.execute('DROP TRIGGER IF EXISTS final_snapshot_no_update')
        op.execute('DROP TRIGGER IF EXISTS final_snapshot_no_delete')
    with op.batch_alter_table('final_snapshot', schema=None) as batch_op:
        batch_op.drop_column('committee_sha256')
        batch_op.drop_column('committee_json')
    if sqlite:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER final_snapshot_no_{event.lower()} BEFORE {event} ON final_snapshot "
                       "BEGIN SELECT RAISE(ABORT, 'table final_snapshot is append-only'); END")
