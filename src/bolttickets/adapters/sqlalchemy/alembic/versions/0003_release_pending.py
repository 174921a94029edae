"""a cancel's give-back to the buyer's count survives a crash

Revision ID: 0003
Revises: 0002

A cancel commits in the database, then gives the tickets back to the buyer's count in the
stock store. ``release_pending`` is set by the first step and cleared after the second, so a
retried cancel or the worker's next reconcile round finishes what a crash interrupted.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(
            sa.Column("release_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "ix_bookings_release_pending",
        "bookings",
        ["id"],
        postgresql_where=sa.text("release_pending"),
        sqlite_where=sa.text("release_pending"),
    )


def downgrade() -> None:
    op.drop_index("ix_bookings_release_pending", table_name="bookings")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("release_pending")
