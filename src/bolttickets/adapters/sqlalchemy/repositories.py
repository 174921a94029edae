"""Repositories over one SQLAlchemy connection; the unit of work owns its transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bolttickets.adapters.sqlalchemy.cursors import keyset_page
from bolttickets.adapters.sqlalchemy.tables import (
    api_keys,
    audit_log,
    bookings,
    consumer_offsets,
    events,
    payment_events,
    ticket_types,
    users,
    waiting_rooms,
)
from bolttickets.domain.allocation import TicketTypeState
from bolttickets.domain.errors import EmailTaken
from bolttickets.domain.model import (
    HOLDING_STATUSES,
    ApiKey,
    Booking,
    BookingStatus,
    Event,
    Role,
    Scope,
    TicketType,
    User,
)
from bolttickets.domain.payments import PaymentEvent
from bolttickets.domain.waiting_room import RoomSettings
from bolttickets.services.ports import AuditEntry, AuditQuery, Page, StockBasis, StoredBooking

T = TypeVar("T")

# asyncpg takes at most 32,767 parameters a statement and SQLite 32,766: a longer list of
# ids (every hold of a big sale, when reconciling) is looked up in parts.
IN_LIST_CHUNK = 10_000


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), IN_LIST_CHUNK):
        yield items[start : start + IN_LIST_CHUNK]


def _among(
    conn: AsyncConnection, column: sa.Column[UUID], ids: Sequence[UUID]
) -> Iterator[sa.ColumnElement[bool]]:
    """``column IN ids``, in as few statements as the database allows. On PostgreSQL one
    array parameter (``= ANY``): the statement's text is the same for any number of ids,
    so asyncpg prepares it once, where an IN list is a new statement, and a new prepare
    round trip, for every length the hot path's batches happen to have."""
    if not ids:
        return
    if conn.dialect.name == "postgresql":
        yield column == sa.any_(sa.bindparam(None, list(ids), type_=postgresql.ARRAY(sa.Uuid)))
    else:
        for part in _chunks(ids):
            yield column.in_(part)


def _insert(conn: AsyncConnection, table: sa.Table) -> Any:
    """INSERT with ON CONFLICT support for the connection's dialect."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


# The columns the worker writes (COPY); the rest keep their defaults.
BOOKING_COLUMNS = (
    "id",
    "user_id",
    "event_id",
    "ticket_type_id",
    "quantity",
    "unit_price_cents",
    "currency",
    "status",
    "reason",
    "idempotency_key",
    "fingerprint",
    "created_at",
    "updated_at",
    "expires_at",
)


def _booking_values(b: Booking, key: str | None, fp: str) -> tuple[Any, ...]:
    return (
        b.id,
        b.user_id,
        b.event_id,
        b.ticket_type_id,
        b.quantity,
        b.unit_price_cents,
        b.currency,
        b.status.value,
        b.reason,
        key,
        fp,
        b.created_at,
        b.created_at,
        b.expires_at,
    )


def _ticket_type(row: Any) -> TicketType:
    return TicketType(
        id=row.id,
        event_id=row.event_id,
        name=row.name,
        price_cents=row.price_cents,
        currency=row.currency,
        capacity=row.capacity,
        per_user_limit=row.per_user_limit,
        sold=row.sold,
    )


def _booking(row: Any) -> Booking:
    return Booking(
        id=row.id,
        user_id=row.user_id,
        event_id=row.event_id,
        ticket_type_id=row.ticket_type_id,
        quantity=row.quantity,
        unit_price_cents=row.unit_price_cents,
        currency=row.currency,
        status=BookingStatus(row.status),
        reason=row.reason,
        created_at=row.created_at,
        expires_at=row.expires_at,
        payment_id=row.payment_id,
        payment_provider=row.payment_provider,
    )


class SqlUsers:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, user: User) -> None:
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(
                    users.insert().values(
                        id=user.id,
                        email=user.email,
                        password_hash=user.password_hash,
                        role=user.role.value,
                        created_at=user.created_at,
                    )
                )
        except IntegrityError as exc:
            raise EmailTaken(f"{user.email} is registered already.") from exc

    async def get(self, user_id: UUID) -> User | None:
        return await self._one(users.c.id == user_id)

    async def active(self, user_ids: Sequence[UUID]) -> set[UUID]:
        found: set[UUID] = set()
        for among in _among(self._conn, users.c.id, user_ids):
            query = sa.select(users.c.id).where(among, users.c.erased_at.is_(None))
            found.update((await self._conn.scalars(query)).all())
        return found

    async def by_email(self, email: str) -> User | None:
        return await self._one(users.c.email == email)

    async def erase(self, user_id: UUID, pseudonym: str, at: datetime) -> bool:
        erased = await self._conn.execute(
            users.update()
            .where(users.c.id == user_id, users.c.erased_at.is_(None))
            .values(email=pseudonym, password_hash="", erased_at=at)
        )
        return bool(erased.rowcount)

    async def set_role(self, user_id: UUID, role: Role) -> User | None:
        before = await self._one(users.c.id == user_id)
        if before is not None:
            await self._conn.execute(
                users.update().where(users.c.id == user_id).values(role=role.value)
            )
        return before

    async def lock_admins(self) -> set[UUID]:
        # FOR UPDATE on PostgreSQL; SQLite's writer holds the database's write lock already.
        query = (
            sa.select(users.c.id)
            .where(users.c.role == Role.ADMIN.value, users.c.erased_at.is_(None))
            .with_for_update()
        )
        return set((await self._conn.scalars(query)).all())

    async def page(self, cursor: str | None, limit: int) -> Page[User]:
        return await keyset_page(
            sa.select(users),
            (users.c.created_at, users.c.id),
            cursor,
            limit,
            self._users,
            lambda u: (u.created_at, u.id),
        )

    async def _one(self, where: sa.ColumnElement[bool]) -> User | None:
        found = await self._users(sa.select(users).where(where))
        return found[0] if found else None

    async def _users(self, query: sa.Select[Any]) -> list[User]:
        return [
            User(
                row.id, row.email, row.password_hash, Role(row.role), row.created_at, row.erased_at
            )
            for row in await self._conn.execute(query)
        ]


class SqlEvents:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, event: Event) -> None:
        await self._conn.execute(
            events.insert().values(
                id=event.id,
                name=event.name,
                venue=event.venue,
                starts_at=event.starts_at,
                sale_starts_at=event.sale_starts_at,
                created_at=event.created_at,
                organizer_id=event.organizer_id,
                payment_window_seconds=event.payment_window_seconds,
                refunds_until=event.refunds_until,
            )
        )
        await self._conn.execute(
            ticket_types.insert(),
            [
                {
                    "id": t.id,
                    "event_id": event.id,
                    "position": position,
                    "name": t.name,
                    "price_cents": t.price_cents,
                    "currency": t.currency,
                    "capacity": t.capacity,
                    "per_user_limit": t.per_user_limit,
                    "sold": 0,
                }
                for position, t in enumerate(event.ticket_types)
            ],
        )

    async def get(self, event_id: UUID) -> Event | None:
        found = await self._with_ticket_types(sa.select(events).where(events.c.id == event_id))
        return found[0] if found else None

    async def page(self, cursor: str | None, limit: int) -> Page[Event]:
        return await keyset_page(
            sa.select(events),
            (events.c.starts_at, events.c.id),
            cursor,
            limit,
            self._with_ticket_types,
            lambda e: (e.starts_at, e.id),
        )

    async def _with_ticket_types(self, query: sa.Select[Any]) -> list[Event]:
        rows = (await self._conn.execute(query)).all()
        if not rows:
            return []
        tt_rows = (
            await self._conn.execute(
                sa.select(ticket_types)
                .where(ticket_types.c.event_id.in_([r.id for r in rows]))
                .order_by(ticket_types.c.position)
            )
        ).all()
        by_event: dict[UUID, list[TicketType]] = {}
        for tt in tt_rows:
            by_event.setdefault(tt.event_id, []).append(_ticket_type(tt))
        return [
            Event(
                id=r.id,
                name=r.name,
                venue=r.venue,
                starts_at=r.starts_at,
                sale_starts_at=r.sale_starts_at,
                created_at=r.created_at,
                ticket_types=tuple(by_event.get(r.id, ())),
                organizer_id=r.organizer_id,
                payment_window_seconds=r.payment_window_seconds,
                refunds_until=r.refunds_until,
            )
            for r in rows
        ]

    async def ticket_type(self, ticket_type_id: UUID) -> tuple[TicketType, Event] | None:
        row = (
            await self._conn.execute(
                sa.select(ticket_types.c.event_id).where(ticket_types.c.id == ticket_type_id)
            )
        ).first()
        if row is None:
            return None
        event = await self.get(row.event_id)
        assert event is not None
        return next(t for t in event.ticket_types if t.id == ticket_type_id), event

    async def stock_basis(self, ticket_type_id: UUID) -> StockBasis | None:
        found = await self.ticket_type(ticket_type_id)
        if found is None:
            return None
        tt, event = found
        mine = bookings.c.ticket_type_id == ticket_type_id
        held = await self._conn.execute(
            sa.select(bookings.c.user_id, sa.func.sum(bookings.c.quantity))
            .where(mine, _holding)
            .group_by(bookings.c.user_id)
        )
        keyed = await self._conn.execute(
            sa.select(bookings.c.id, bookings.c.fingerprint).where(
                mine, bookings.c.idempotency_key.is_not(None)
            )
        )
        return StockBasis(
            ticket_type=tt,
            sale_opens_at=event.sale_starts_at,
            sale_closes_at=event.starts_at,
            held_per_user={user_id: int(total) for user_id, total in held},
            keyed_bookings=dict(keyed.all()),
        )

    async def all_ticket_type_ids(self) -> list[UUID]:
        return list((await self._conn.execute(sa.select(ticket_types.c.id))).scalars())

    async def open_ticket_types(self, now: datetime, after: UUID | None, limit: int) -> list[UUID]:
        query = (
            sa.select(ticket_types.c.id)
            .join(events, events.c.id == ticket_types.c.event_id)
            .where(events.c.starts_at > now)
            .order_by(ticket_types.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(ticket_types.c.id > after)
        return list((await self._conn.execute(query)).scalars())

    async def known_ticket_types(self, ids: Sequence[UUID]) -> set[UUID]:
        known: set[UUID] = set()
        for part in _chunks(ids):
            query = sa.select(ticket_types.c.id).where(ticket_types.c.id.in_(part))
            known.update((await self._conn.execute(query)).scalars())
        return known


_holding = bookings.c.status.in_([s.value for s in HOLDING_STATUSES])


class SqlBookings:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, booking_id: UUID) -> Booking | None:
        row = (
            await self._conn.execute(sa.select(bookings).where(bookings.c.id == booking_id))
        ).first()
        return None if row is None else _booking(row)

    async def page(
        self,
        user_id: UUID | None,
        cursor: str | None,
        limit: int,
        *,
        event_id: UUID | None = None,
        status: BookingStatus | None = None,
    ) -> Page[Booking]:
        query = sa.select(bookings)
        if status is not None:
            query = query.where(bookings.c.status == status.value)
        if user_id is not None:
            query = query.where(bookings.c.user_id == user_id)
        if event_id is not None:
            query = query.where(bookings.c.event_id == event_id)
        return await keyset_page(
            query,
            (bookings.c.created_at, bookings.c.id),
            cursor,
            limit,
            self._bookings,
            lambda b: (b.created_at, b.id),
            newest_first=True,
        )

    async def _bookings(self, query: sa.Select[Any]) -> list[Booking]:
        return [_booking(r) for r in (await self._conn.execute(query)).all()]

    async def lock_ticket_types(self, ids: Sequence[UUID]) -> dict[UUID, TicketTypeState]:
        if not ids:
            return {}
        rows = await self._conn.execute(
            sa.select(
                ticket_types.c.id,
                ticket_types.c.capacity,
                ticket_types.c.sold,
                ticket_types.c.per_user_limit,
                sa.select(events.c.payment_window_seconds)
                .where(events.c.id == ticket_types.c.event_id)
                .scalar_subquery()
                .label("payment_window_seconds"),
            )
            .where(ticket_types.c.id.in_(ids))
            .order_by(ticket_types.c.id)
            .with_for_update(of=ticket_types)
        )
        return {
            r.id: TicketTypeState(r.capacity, r.sold, r.per_user_limit, r.payment_window_seconds)
            for r in rows
        }

    async def existing(self, ids: Sequence[UUID]) -> dict[UUID, StoredBooking]:
        found: dict[UUID, StoredBooking] = {}
        for among in _among(self._conn, bookings.c.id, ids):
            rows = await self._conn.execute(
                sa.select(bookings.c.id, bookings.c.status, bookings.c.fingerprint).where(among)
            )
            found.update(
                (r.id, StoredBooking(r.id, BookingStatus(r.status), r.fingerprint)) for r in rows
            )
        return found

    async def held_per_user(
        self, pairs: Sequence[tuple[UUID, UUID]]
    ) -> dict[tuple[UUID, UUID], int]:
        if not pairs:
            return {}
        rows = await self._conn.execute(
            sa.select(
                bookings.c.user_id, bookings.c.ticket_type_id, sa.func.sum(bookings.c.quantity)
            )
            .where(
                _holding,
                bookings.c.ticket_type_id.in_({tt for _, tt in pairs}),
                bookings.c.user_id.in_({user for user, _ in pairs}),
            )
            .group_by(bookings.c.user_id, bookings.c.ticket_type_id)
        )
        return {(user, tt): int(total) for user, tt, total in rows}

    async def insert_new(self, rows: Sequence[tuple[Booking, str | None, str]]) -> list[Booking]:
        if not rows:
            return []
        values = [_booking_values(b, key, fp) for b, key, fp in rows]
        if self._conn.dialect.name == "postgresql":
            ids = await self._copy_insert(values)
        else:
            statement = _insert(self._conn, bookings).on_conflict_do_nothing()
            inserted = await self._conn.execute(
                statement.returning(bookings.c.id),
                [dict(zip(BOOKING_COLUMNS, v, strict=True)) for v in values],
            )
            ids = set(inserted.scalars())
        return [b for b, _, _ in rows if b.id in ids]

    async def _copy_insert(self, values: list[tuple[Any, ...]]) -> set[UUID]:
        # COPY moves the worker's batch several times faster than a multi-row INSERT; staging
        # it in a temporary table keeps ON CONFLICT DO NOTHING, which COPY alone lacks.
        # Issued through SQLAlchemy, not the driver: that is what opens the driver-level
        # transaction, so COPY and INSERT below commit or roll back with the whole batch.
        await self._conn.execute(
            sa.text(
                "CREATE TEMP TABLE IF NOT EXISTS booking_stage "
                "(LIKE bookings INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
        )
        raw = await self._conn.get_raw_connection()
        pg = raw.driver_connection
        assert pg is not None
        columns = ", ".join(BOOKING_COLUMNS)
        await pg.copy_records_to_table("booking_stage", records=values, columns=BOOKING_COLUMNS)
        inserted = await pg.fetch(
            f"INSERT INTO bookings ({columns}) SELECT {columns} FROM booking_stage "
            "ON CONFLICT DO NOTHING RETURNING id"
        )
        await pg.execute("TRUNCATE booking_stage")
        return {r["id"] for r in inserted}

    async def add_sold(self, sold: Mapping[UUID, int]) -> None:
        for tt_id, quantity in sorted(sold.items()):
            await self._conn.execute(
                ticket_types.update()
                .where(ticket_types.c.id == tt_id)
                .values(sold=ticket_types.c.sold + quantity)
            )

    async def cancel(self, booking_id: UUID) -> Booking | None:
        cancellable = sa.or_(
            bookings.c.status == BookingStatus.RESERVED.value,
            sa.and_(
                bookings.c.status == BookingStatus.PAID.value, bookings.c.unit_price_cents == 0
            ),
        )
        given_back = await self._give_back(
            sa.and_(bookings.c.id == booking_id, cancellable), BookingStatus.CANCELLED
        )
        return given_back[0] if given_back else None

    async def expire_due(self, now: datetime, limit: int) -> list[Booking]:
        due = (
            sa.select(bookings.c.id)
            .where(
                bookings.c.status == BookingStatus.RESERVED.value,
                bookings.c.expires_at <= now,
            )
            .order_by(bookings.c.expires_at)
            .limit(limit)
        )
        # The status is checked again by the UPDATE itself: of two sweepers (or a sweep and
        # a payment) racing for one booking, the second finds it changed and skips it.
        return await self._give_back(
            sa.and_(
                bookings.c.id.in_(due.scalar_subquery()),
                bookings.c.status == BookingStatus.RESERVED.value,
                bookings.c.expires_at <= now,
            ),
            BookingStatus.EXPIRED,
        )

    async def refund(self, booking_id: UUID) -> Booking | None:
        given_back = await self._give_back(
            sa.and_(bookings.c.id == booking_id, bookings.c.status == BookingStatus.PAID.value),
            BookingStatus.REFUNDED,
        )
        return given_back[0] if given_back else None

    async def _give_back(
        self, where: sa.ColumnElement[bool], status: BookingStatus
    ) -> list[Booking]:
        """Move the bookings matching ``where`` to ``status``, giving their tickets back to
        ``sold`` and marking the give-back to the buyers' counts in the stock store as
        pending; only the rows this statement changed."""
        rows = (
            await self._conn.execute(
                bookings.update()
                .where(where)
                .values(status=status.value, release_pending=True, updated_at=sa.func.now())
                .returning(*bookings.c)
            )
        ).all()
        returned: Counter[UUID] = Counter()
        for row in rows:
            returned[row.ticket_type_id] += row.quantity
        for tt_id, quantity in sorted(returned.items()):
            await self._conn.execute(
                ticket_types.update()
                .where(ticket_types.c.id == tt_id)
                .values(sold=ticket_types.c.sold - quantity)
            )
        return [_booking(row) for row in rows]

    async def start_payment(self, booking_id: UUID, provider: str, payment_id: str) -> bool:
        changed = await self._conn.execute(
            bookings.update()
            .where(bookings.c.id == booking_id, bookings.c.status == BookingStatus.RESERVED.value)
            .values(payment_provider=provider, payment_id=payment_id, updated_at=sa.func.now())
        )
        return changed.rowcount == 1

    async def mark_paid(
        self, booking_id: UUID, now: datetime, provider: str, payment_id: str
    ) -> Booking | None:
        row = (
            await self._conn.execute(
                bookings.update()
                .where(
                    bookings.c.id == booking_id,
                    bookings.c.status == BookingStatus.RESERVED.value,
                    bookings.c.expires_at > now,
                )
                .values(
                    status=BookingStatus.PAID.value,
                    expires_at=None,
                    payment_provider=provider,
                    payment_id=payment_id,
                    updated_at=sa.func.now(),
                )
                .returning(*bookings.c)
            )
        ).first()
        return None if row is None else _booking(row)

    async def pending_releases(
        self, limit: int, ids: Sequence[UUID] | None = None
    ) -> list[Booking]:
        query = sa.select(bookings).where(bookings.c.release_pending).limit(limit)
        if ids is not None:
            query = query.where(bookings.c.id.in_(ids))
        return [_booking(row) for row in await self._conn.execute(query)]

    async def mark_released(self, ids: Sequence[UUID]) -> None:
        for chunk in _chunks(ids):
            await self._conn.execute(
                bookings.update().where(bookings.c.id.in_(chunk)).values(release_pending=False)
            )

    async def settled_state(
        self, ticket_type_id: UUID, booking_ids: Sequence[UUID]
    ) -> tuple[TicketType, dict[UUID, BookingStatus]] | None:
        row = (
            await self._conn.execute(
                sa.select(ticket_types).where(ticket_types.c.id == ticket_type_id)
            )
        ).first()
        if row is None:
            return None
        statuses = {
            stored.id: stored.status for stored in (await self.existing(booking_ids)).values()
        }
        return _ticket_type(row), statuses


class SqlAudit:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, entry: AuditEntry) -> None:
        await self._conn.execute(
            audit_log.insert().values(
                id=entry.id,
                at=entry.at,
                actor=entry.actor,
                actor_ip=entry.actor_ip,
                action=entry.action,
                target=entry.target,
                details=dict(entry.details),
            )
        )

    async def page(self, query: AuditQuery, cursor: str | None, limit: int) -> Page[AuditEntry]:
        wanted = [
            column == value
            for column, value in (
                (audit_log.c.action, query.action),
                (audit_log.c.actor, query.actor),
                (audit_log.c.target, query.target),
            )
            if value is not None
        ]
        if query.since is not None:
            wanted.append(audit_log.c.at >= query.since)
        if query.until is not None:
            wanted.append(audit_log.c.at < query.until)
        return await keyset_page(
            sa.select(audit_log).where(*wanted),
            (audit_log.c.at, audit_log.c.id),
            cursor,
            limit,
            self._entries,
            lambda e: (e.at, e.id),
            newest_first=True,
        )

    async def about(self, name: str) -> list[AuditEntry]:
        return await self._entries(
            sa.select(audit_log)
            .where(sa.or_(audit_log.c.actor == name, audit_log.c.target == name))
            .order_by(audit_log.c.at, audit_log.c.id)
        )

    async def _entries(self, query: sa.Select[Any]) -> list[AuditEntry]:
        return [
            AuditEntry(r.id, r.at, r.actor, r.actor_ip, r.action, r.target, r.details)
            for r in (await self._conn.execute(query)).all()
        ]


class SqlApiKeys:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, key: ApiKey) -> None:
        await self._conn.execute(
            api_keys.insert().values(
                id=key.id,
                prefix=key.prefix,
                secret_hash=key.secret_hash,
                name=key.name,
                owner_id=key.owner_id,
                scopes=" ".join(sorted(key.scopes)),
                created_at=key.created_at,
                expires_at=key.expires_at,
                revoked_at=key.revoked_at,
                last_used_at=key.last_used_at,
            )
        )

    async def get(self, key_id: UUID) -> ApiKey | None:
        return await self._one(api_keys.c.id == key_id)

    async def by_prefix(self, prefix: str) -> ApiKey | None:
        return await self._one(api_keys.c.prefix == prefix)

    async def page(self, cursor: str | None, limit: int) -> Page[ApiKey]:
        return await keyset_page(
            sa.select(api_keys),
            (api_keys.c.created_at, api_keys.c.id),
            cursor,
            limit,
            self._keys,
            lambda k: (k.created_at, k.id),
        )

    async def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None:
        await self._conn.execute(
            api_keys.update()
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return await self.get(key_id)

    async def touch(self, key_id: UUID, at: datetime) -> None:
        await self._conn.execute(
            api_keys.update().where(api_keys.c.id == key_id).values(last_used_at=at)
        )

    async def _one(self, where: sa.ColumnElement[bool]) -> ApiKey | None:
        found = await self._keys(sa.select(api_keys).where(where))
        return found[0] if found else None

    async def _keys(self, query: sa.Select[Any]) -> list[ApiKey]:
        return [
            ApiKey(
                id=row.id,
                prefix=row.prefix,
                secret_hash=row.secret_hash,
                name=row.name,
                owner_id=row.owner_id,
                scopes=frozenset(Scope(s) for s in row.scopes.split()),
                created_at=row.created_at,
                expires_at=row.expires_at,
                revoked_at=row.revoked_at,
                last_used_at=row.last_used_at,
            )
            for row in await self._conn.execute(query)
        ]


class SqlOffsets:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def load(self, group: str, topic: str) -> dict[int, int]:
        rows = await self._conn.execute(
            sa.select(consumer_offsets.c.partition, consumer_offsets.c.next_offset).where(
                consumer_offsets.c.group_id == group, consumer_offsets.c.topic == topic
            )
        )
        return dict(rows.all())

    async def store(self, group: str, topic: str, offsets: Mapping[int, int]) -> None:
        if not offsets:
            return
        statement = _insert(self._conn, consumer_offsets)
        # Never move an offset backwards: a worker that lost its partitions may commit late.
        greater = sa.func.max if self._conn.dialect.name == "sqlite" else sa.func.greatest
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=["group_id", "topic", "partition"],
                set_={
                    "next_offset": greater(
                        statement.excluded.next_offset, consumer_offsets.c.next_offset
                    )
                },
            ),
            [
                {"group_id": group, "topic": topic, "partition": p, "next_offset": o}
                for p, o in offsets.items()
            ],
        )


class SqlPaymentEvents:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record_once(self, event: PaymentEvent, at: datetime) -> bool:
        # ON CONFLICT, not a read first: a racing delivery waits for the first one's
        # transaction and then inserts nothing, so exactly one of them sees its row.
        inserted = await self._conn.execute(
            _insert(self._conn, payment_events)
            .values(
                provider=event.provider.value,
                event_id=event.event_id,
                payment_id=event.payment_id,
                booking_id=event.booking_id,
                kind=event.kind.value,
                received_at=at,
            )
            .on_conflict_do_nothing()
            .returning(payment_events.c.event_id)
        )
        return inserted.first() is not None


class SqlWaitingRooms:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def save(self, room: RoomSettings, at: datetime) -> None:
        values = {
            "enabled": room.enabled,
            "opens_at": room.opens_at,
            "admit_per_minute": room.admit_per_minute,
            "pass_ttl_seconds": room.pass_ttl_seconds,
            "automatic_factor": room.automatic_factor,
            "offer_ttl_seconds": room.offer_ttl_seconds,
            "updated_at": at,
        }
        insert = _insert(self._conn, waiting_rooms).values(event_id=room.event_id, **values)
        await self._conn.execute(
            insert.on_conflict_do_update(index_elements=["event_id"], set_=values)
        )

    async def get(self, event_id: UUID) -> RoomSettings | None:
        row = (
            await self._conn.execute(
                sa.select(waiting_rooms).where(waiting_rooms.c.event_id == event_id)
            )
        ).first()
        return None if row is None else _room(row)

    async def active(self, now: datetime) -> list[RoomSettings]:
        rows = await self._conn.execute(
            sa.select(waiting_rooms)
            .join(events, events.c.id == waiting_rooms.c.event_id)
            .where(waiting_rooms.c.enabled, events.c.starts_at > now)
            .order_by(waiting_rooms.c.event_id)
        )
        return [_room(row) for row in rows]


def _room(row: Any) -> RoomSettings:
    return RoomSettings(
        event_id=row.event_id,
        opens_at=row.opens_at,
        admit_per_minute=row.admit_per_minute,
        pass_ttl_seconds=row.pass_ttl_seconds,
        automatic_factor=row.automatic_factor,
        enabled=row.enabled,
        offer_ttl_seconds=row.offer_ttl_seconds,
    )
