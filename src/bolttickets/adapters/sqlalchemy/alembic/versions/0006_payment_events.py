"""payment events, each recorded once

Revision ID: 0006
Revises: 0005

Payment providers deliver a webhook event at least once, and may deliver it again at any
time; its primary key (provider, event id) lets the first delivery of an event in and every
other one, racing or late, find its row.
"""

import sqlalchemy as sa
from alembic import op

from bolttickets.adapters.sqlalchemy.tables import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_events",
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("payment_id", sa.String(length=255), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("provider", "event_id", name=op.f("pk_payment_events")),
    )


def downgrade() -> None:
    op.drop_table("payment_events")
