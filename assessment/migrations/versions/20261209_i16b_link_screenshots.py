"""screenshots of link captures: the PNG of the archived copy (its SHA-256) or why there is none

Written by hand: two nullable columns on link_capture; captures made before have neither (no screenshot, no
reason), which the pages show as "no screenshot".

Revision ID: i16b_link_screenshots
Revises: 4c7e1f9a2b63
Create Date: 2026-12-09 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i16b_link_screenshots'
down_revision = '4c7e1f9a2b63'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('link_capture', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screenshot_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('screenshot_detail', sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f('ix_link_capture_screenshot_sha256'), ['screenshot_sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('link_capture', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_capture_screenshot_sha256'))
        batch_op.drop_column('screenshot_detail')
        batch_op.drop_column('screenshot_sha256')
