"""the embedded booking log and its dead letters

Revision ID: 0002
Revises: 0001

Created on every database, PostgreSQL too: the full stack never writes them, and one
schema everywhere keeps the migrations and ``tables.metadata`` the same. Before this
revision the embedded log created them itself, so an embedded database made then already
has them and keeps them as they are (same columns).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "booking_log" not in existing:
        op.create_table(
            "booking_log",
            sa.Column("offset", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("key", sa.LargeBinary(), nullable=True),
            sa.Column("value", sa.LargeBinary(), nullable=False),
            sa.Column("appended_at", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("offset", name=op.f("pk_booking_log")),
            sqlite_autoincrement=True,
        )
    if "booking_dead_letters" not in existing:
        op.create_table(
            "booking_dead_letters",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("source_offset", sa.Integer(), nullable=False),
            sa.Column("key", sa.LargeBinary(), nullable=True),
            sa.Column("value", sa.LargeBinary(), nullable=False),
            sa.Column("dead_at", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_dead_letters")),
        )


def downgrade() -> None:
    op.drop_table("booking_dead_letters")
    op.drop_table("booking_log")
