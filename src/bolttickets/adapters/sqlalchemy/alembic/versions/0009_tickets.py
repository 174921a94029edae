"""tickets: one per admission of a booking, each with an unguessable code

Revision ID: 0009
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from bolttickets.adapters.sqlalchemy.tables import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_type_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("checked_in_at", UTCDateTime(), nullable=True),
        sa.Column("void", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint("position > 0", name=op.f("ck_tickets_position_positive")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_tickets_booking_id_bookings")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_tickets")),
        sa.UniqueConstraint("booking_id", "position", name="uq_tickets_booking_position"),
    )
    op.create_index("ix_tickets_event_code", "tickets", ["event_id", "code"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tickets_event_code", table_name="tickets")
    op.drop_table("tickets")
