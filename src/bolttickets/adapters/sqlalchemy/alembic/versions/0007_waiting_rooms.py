"""waiting rooms: an event's optional room in front of its sale

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from bolttickets.adapters.sqlalchemy.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "waiting_rooms",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("opens_at", UTCDateTime(), nullable=False),
        sa.Column("admit_per_minute", sa.Integer(), nullable=True),
        sa.Column("pass_ttl_seconds", sa.Integer(), nullable=False),
        sa.Column("automatic_factor", sa.Float(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "admit_per_minute > 0", name=op.f("ck_waiting_rooms_admit_per_minute_positive")
        ),
        sa.CheckConstraint("pass_ttl_seconds > 0", name=op.f("ck_waiting_rooms_pass_ttl_positive")),
        sa.CheckConstraint(
            "automatic_factor > 0", name=op.f("ck_waiting_rooms_automatic_factor_positive")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_waiting_rooms_event_id_events")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_waiting_rooms")),
    )


def downgrade() -> None:
    op.drop_table("waiting_rooms")
