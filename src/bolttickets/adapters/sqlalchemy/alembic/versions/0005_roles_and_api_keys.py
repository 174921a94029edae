"""events get an owner (the organizer who manages them), and API keys

Revision ID: 0005
Revises: 0004

Events made before this revision have no owner: only admins manage them.
"""

import sqlalchemy as sa
from alembic import op

from bolttickets.adapters.sqlalchemy.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Batch mode would recreate events, dropping a table ticket_types refers to; SQLite
        # adds a referencing column in place (the reference then has no name).
        op.execute("ALTER TABLE events ADD COLUMN organizer_id CHAR(32) REFERENCES users (id)")
    else:
        op.add_column("events", sa.Column("organizer_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            op.f("fk_events_organizer_id_users"), "events", "users", ["organizer_id"], ["id"]
        )
    op.create_index(op.f("ix_events_organizer_id"), "events", ["organizer_id"], unique=False)
    op.create_index(
        "ix_bookings_event_created", "bookings", ["event_id", "created_at", "id"], unique=False
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_api_keys_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_index("ix_api_keys_created", "api_keys", ["created_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_api_keys_created", table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index("ix_bookings_event_created", table_name="bookings")
    op.drop_index(op.f("ix_events_organizer_id"), table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("organizer_id")
