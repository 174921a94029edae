"""The schema. Alembic migrations are written against this metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.TypeDecorator[datetime]):
    """``timestamptz`` on PostgreSQL; on SQLite, UTC text that sorts and reads back aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Set when the account was erased (GDPR): its email is then a pseudonym and its password
    # hash empty; the row stays, so the bookings kept for accounting still have an owner.
    sa.Column("erased_at", UTCDateTime, nullable=True),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("venue", sa.String(200), nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("sale_starts_at", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # NULL for events made before events had owners: only admins manage those.
    sa.Column("organizer_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=True, index=True),
    sa.Column("payment_window_seconds", sa.Integer, nullable=False, server_default="600"),
    sa.Column("refunds_until", UTCDateTime, nullable=True),
    sa.CheckConstraint("payment_window_seconds >= 10", name="payment_window_min"),
    sa.Index("ix_events_starts_at_id", "starts_at", "id"),
)

ticket_types = sa.Table(
    "ticket_types",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("event_id", sa.Uuid, sa.ForeignKey("events.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("price_cents", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("per_user_limit", sa.Integer, nullable=True),
    sa.Column("sold", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("sold <= capacity", name="sold_within_capacity"),
    sa.CheckConstraint("sold >= 0", name="sold_not_negative"),
    sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
    sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
)

bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("event_id", sa.Uuid, sa.ForeignKey("events.id"), nullable=False),
    sa.Column("ticket_type_id", sa.Uuid, sa.ForeignKey("ticket_types.id"), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price_cents", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(64), nullable=True),
    sa.Column("idempotency_key", sa.String(255), nullable=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # Set by the cancel that gives the tickets back to the sale, cleared once the buyer's
    # count in the stock store has them too: that second step survives a crash between them.
    sa.Column("release_pending", sa.Boolean, nullable=False, server_default=sa.false()),
    # The deadline to pay while reserved; the worker expires the booking past it.
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.Column("payment_provider", sa.String(16), nullable=True),
    sa.Column("payment_id", sa.String(255), nullable=True),
    sa.UniqueConstraint("user_id", "idempotency_key", name="uq_bookings_user_key"),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    sa.Index("ix_bookings_user_created", "user_id", "created_at", "id"),
    sa.Index("ix_bookings_created", "created_at", "id"),
    sa.Index("ix_bookings_event_created", "event_id", "created_at", "id"),
    sa.Index("ix_bookings_type_status_user", "ticket_type_id", "status", "user_id"),
    sa.Index(
        "ix_bookings_reserved_expires",
        "expires_at",
        postgresql_where=sa.text("status = 'reserved'"),
        sqlite_where=sa.text("status = 'reserved'"),
    ),
    sa.Index(
        "ix_bookings_release_pending",
        "id",
        postgresql_where=sa.text("release_pending"),
        sqlite_where=sa.text("release_pending"),
    ),
)

# An event's waiting room (docs/waiting-room.md); no row: the event has none.
waiting_rooms = sa.Table(
    "waiting_rooms",
    metadata,
    sa.Column("event_id", sa.Uuid, sa.ForeignKey("events.id"), primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("opens_at", UTCDateTime, nullable=False),
    # NULL: automatic, by the tickets that remain.
    sa.Column("admit_per_minute", sa.Integer, nullable=True),
    sa.Column("pass_ttl_seconds", sa.Integer, nullable=False),
    sa.Column("automatic_factor", sa.Float, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # The waiting list's offer lifetime; NULL: BOLT_WAITING_LIST_OFFER_TTL_SECONDS.
    sa.Column("offer_ttl_seconds", sa.Integer, nullable=True),
    sa.CheckConstraint("admit_per_minute > 0", name="admit_per_minute_positive"),
    sa.CheckConstraint("offer_ttl_seconds > 0", name="offer_ttl_positive"),
    sa.CheckConstraint("pass_ttl_seconds > 0", name="pass_ttl_positive"),
    sa.CheckConstraint("automatic_factor > 0", name="automatic_factor_positive"),
)

# One row per admission of a booking (docs/tickets.md). (booking_id, position) makes issuing
# idempotent; the check-in is one conditional UPDATE of checked_in_at, so only one scan wins.
# Event, ticket type and buyer are the booking's, copied so counts and the attendee list
# need no join through bookings; the booking's foreign key vouches for them, and three more
# foreign keys checked per row slowed a worker's batch, which issues hundreds at once.
tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("booking_id", sa.Uuid, sa.ForeignKey("bookings.id"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("ticket_type_id", sa.Uuid, nullable=False),
    sa.Column("user_id", sa.Uuid, nullable=False),
    sa.Column("checked_in_at", UTCDateTime, nullable=True),
    sa.Column("void", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("booking_id", "position", name="uq_tickets_booking_position"),
    sa.CheckConstraint("position > 0", name="position_positive"),
    sa.Index("ix_tickets_event_code", "event_id", "code"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("prefix", sa.String(32), nullable=False, unique=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("owner_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False),
    # Space-separated, as OAuth 2.0 spells a scope list.
    sa.Column("scopes", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.Column("last_used_at", UTCDateTime, nullable=True),
    sa.Index("ix_api_keys_created", "created_at", "id"),
)

consumer_offsets = sa.Table(
    "consumer_offsets",
    metadata,
    sa.Column("group_id", sa.String(200), primary_key=True),
    sa.Column("topic", sa.String(200), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("next_offset", sa.BigInteger, nullable=False),
)

# Append-only: triggers made by the migration (0004) refuse UPDATE, DELETE and TRUNCATE,
# whoever asks, so not even the application that writes it can change what it wrote.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("actor_ip", sa.String(45), nullable=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(100), nullable=True),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Index("ix_audit_log_at", "at", "id"),
    sa.Index("ix_audit_log_actor", "actor", "at", "id"),
    sa.Index("ix_audit_log_target", "target", "at", "id"),
)

# One row per payment provider event received: the primary key lets the first of racing
# deliveries of an event in, and every later one finds its row (services/payments.py).
payment_events = sa.Table(
    "payment_events",
    metadata,
    sa.Column("provider", sa.String(16), primary_key=True),
    sa.Column("event_id", sa.String(255), primary_key=True),
    sa.Column("payment_id", sa.String(255), nullable=False),
    sa.Column("booking_id", sa.Uuid, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
)

# The embedded mode's booking queue (adapters/sqlite_log.py). The full stack queues in Kafka
# and leaves these two empty: one schema for every database keeps the migrations and this
# metadata the same everywhere.
booking_log = sa.Table(
    "booking_log",
    metadata,
    sa.Column("offset", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.LargeBinary, nullable=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("appended_at", sa.Float, nullable=False),
    # Offsets are never reused, even after the log is trimmed down to nothing.
    sqlite_autoincrement=True,
)

booking_dead_letters = sa.Table(
    "booking_dead_letters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_offset", sa.Integer, nullable=False),
    sa.Column("key", sa.LargeBinary, nullable=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("dead_at", sa.Float, nullable=False),
)
