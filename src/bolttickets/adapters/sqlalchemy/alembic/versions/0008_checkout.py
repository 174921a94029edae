"""checkout: reservations with a payment deadline, payments and refunds

Revision ID: 0008
Revises: 0007

A priced booking is now reserved until it is paid or expires; a confirmed booking of
before had its tickets for good, which is what paid means now.
"""

import sqlalchemy as sa
from alembic import op

from bolttickets.adapters.sqlalchemy.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("payment_window_seconds", sa.Integer(), nullable=False, server_default="600")
        )
        batch.add_column(sa.Column("refunds_until", UTCDateTime(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_events_payment_window_min"), "payment_window_seconds >= 10"
        )
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("payment_provider", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("payment_id", sa.String(length=255), nullable=True))
    op.create_index(
        "ix_bookings_reserved_expires",
        "bookings",
        ["expires_at"],
        postgresql_where=sa.text("status = 'reserved'"),
        sqlite_where=sa.text("status = 'reserved'"),
    )
    op.execute("UPDATE bookings SET status = 'paid' WHERE status = 'confirmed'")


def downgrade() -> None:
    op.execute("UPDATE bookings SET status = 'confirmed' WHERE status IN ('reserved', 'paid')")
    op.drop_index("ix_bookings_reserved_expires", table_name="bookings")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("payment_id")
        batch.drop_column("payment_provider")
        batch.drop_column("expires_at")
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint(op.f("ck_events_payment_window_min"), type_="check")
        batch.drop_column("refunds_until")
        batch.drop_column("payment_window_seconds")
