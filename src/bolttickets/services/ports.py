"""The interfaces the services need from the outside world.

Every port has an embedded adapter and a production one (PostgreSQL, Redis, Kafka); one
contract suite in ``tests/contract`` holds each adapter to the same behaviour.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar
from uuid import UUID

from bolttickets.domain.allocation import TicketTypeState
from bolttickets.domain.errors import (
    DomainError,
    IdempotencyKeyReused,
    PerUserLimitReached,
    SaleNotOpen,
    SoldOut,
)
from bolttickets.domain.model import (
    ApiKey,
    Booking,
    BookingStatus,
    Event,
    Role,
    TicketType,
    User,
)
from bolttickets.domain.payments import Checkout, PaymentEvent, PaymentRequest
from bolttickets.domain.requests import BookingRequest
from bolttickets.domain.tickets import Ticket
from bolttickets.domain.waiting_list import ListCounts, ListPlace, Offers
from bolttickets.domain.waiting_room import RoomSettings

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime: ...


# --- Database: repositories behind one unit of work ---------------------------------------


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class StoredBooking:
    """What the worker needs to know about a booking the database already holds."""

    id: UUID
    status: BookingStatus
    fingerprint: str


@dataclass(frozen=True, slots=True)
class StockBasis:
    """The database's side of a ticket type's stock, read in one snapshot."""

    ticket_type: TicketType
    sale_opens_at: datetime | None
    sale_closes_at: datetime
    held_per_user: Mapping[UUID, int]
    """Tickets each buyer holds in the database: reserved or paid."""
    keyed_bookings: Mapping[UUID, str]
    """booking id -> request fingerprint, for every booking made with an Idempotency-Key."""


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Raises EmailTaken when the email is registered already."""

    async def get(self, user_id: UUID) -> User | None: ...

    async def active(self, user_ids: Sequence[UUID]) -> set[UUID]:
        """Those of ``user_ids`` whose account exists and is not erased."""

    async def by_email(self, email: str) -> User | None: ...

    async def erase(self, user_id: UUID, pseudonym: str, at: datetime) -> bool:
        """Replace the account's email by ``pseudonym``, clear its password hash and mark it
        erased at ``at``; returns False when it does not exist or was erased already."""

    async def set_role(self, user_id: UUID, role: Role) -> User | None:
        """The user as it was before, or None when there is no such user."""

    async def lock_admins(self) -> set[UUID]:
        """The admins not erased, locked until the transaction ends: two admins demoting
        each other at once cannot both see the other one still there."""

    async def page(self, cursor: str | None, limit: int) -> Page[User]:
        """Every user, oldest first. Raises InvalidCursor for a cursor not made here."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: UUID
    at: datetime
    actor: str
    """``user:<id>``, ``api-key:<id>`` or ``anonymous``."""
    actor_ip: str | None
    action: str
    target: str | None
    """What was acted on, named like the actor (``event:<id>``, ``booking:<id>``, ...)."""
    details: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Entries matching every criterion given; ``since`` inclusive, ``until`` exclusive."""

    action: str | None = None
    actor: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditRepository(Protocol):
    """Append-only: the database refuses to change or delete an entry."""

    async def add(self, entry: AuditEntry) -> None: ...

    async def page(self, query: AuditQuery, cursor: str | None, limit: int) -> Page[AuditEntry]:
        """Newest first. Raises InvalidCursor for a cursor this repository did not make."""

    async def about(self, name: str) -> list[AuditEntry]:
        """Every entry whose actor or target is ``name``, oldest first."""


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...

    async def get(self, key_id: UUID) -> ApiKey | None: ...

    async def by_prefix(self, prefix: str) -> ApiKey | None: ...

    async def page(self, cursor: str | None, limit: int) -> Page[ApiKey]:
        """Every key, revoked ones too, oldest first. Raises InvalidCursor for a cursor not
        made here."""

    async def revoke(self, key_id: UUID, at: datetime) -> ApiKey | None:
        """Revoke the key (a revoked key stays revoked at its first time); None when there
        is no such key."""

    async def touch(self, key_id: UUID, at: datetime) -> None:
        """Record that the key was used at ``at``."""


class EventRepository(Protocol):
    async def add(self, event: Event) -> None: ...

    async def get(self, event_id: UUID) -> Event | None: ...

    async def page(self, cursor: str | None, limit: int) -> Page[Event]:
        """Raises InvalidCursor for a cursor this repository did not make."""

    async def ticket_type(self, ticket_type_id: UUID) -> tuple[TicketType, Event] | None: ...

    async def stock_basis(self, ticket_type_id: UUID) -> StockBasis | None:
        """Read in one snapshot: the ticket type, its buyers' held counts and keys."""

    async def all_ticket_type_ids(self) -> list[UUID]: ...

    async def open_ticket_types(self, now: datetime, after: UUID | None, limit: int) -> list[UUID]:
        """Ids of ticket types whose sale has not closed at ``now``, in id order from just
        past ``after``: a page of a walk over every one of them."""

    async def known_ticket_types(self, ids: Sequence[UUID]) -> set[UUID]:
        """Those of ``ids`` this database holds."""


class BookingRepository(Protocol):
    async def get(self, booking_id: UUID) -> Booking | None: ...

    async def page(
        self,
        user_id: UUID | None,
        cursor: str | None,
        limit: int,
        *,
        event_id: UUID | None = None,
        status: BookingStatus | None = None,
    ) -> Page[Booking]:
        """The bookings of one user (or of everyone when None), of one event when
        ``event_id`` is given, in one status when ``status`` is, newest first.

        Raises InvalidCursor for a cursor this repository did not make."""

    async def lock_ticket_types(self, ids: Sequence[UUID]) -> dict[UUID, TicketTypeState]:
        """Lock the rows until the end of the transaction and return their state."""

    async def existing(self, ids: Sequence[UUID]) -> dict[UUID, StoredBooking]: ...

    async def held_per_user(
        self, pairs: Sequence[tuple[UUID, UUID]]
    ) -> dict[tuple[UUID, UUID], int]:
        """Reserved or paid quantity per (user id, ticket type id)."""

    async def insert_new(
        self, bookings: Sequence[tuple[Booking, str | None, str]]
    ) -> list[Booking]:
        """Insert (booking, idempotency key, fingerprint) rows, skipping any that exist.

        Returns the bookings actually inserted.
        """

    async def add_sold(self, sold: Mapping[UUID, int]) -> None: ...

    async def cancel(self, booking_id: UUID) -> Booking | None:
        """Move a reserved booking, or a free paid one, to cancelled and give its tickets
        back to ``sold``, marking its give-back to the buyer's count in the stock store as
        pending.

        Returns the booking only when this call made the change.
        """

    async def expire_due(self, now: datetime, limit: int) -> list[Booking]:
        """Up to ``limit`` reserved bookings whose ``expires_at`` is past at ``now``, moved
        to expired with their tickets given back as ``cancel`` does. Only the bookings this
        call changed: of racing callers, each booking expires for exactly one."""

    async def refund(self, booking_id: UUID) -> Booking | None:
        """Move a paid booking to refunded, giving its tickets back as ``cancel`` does."""

    async def start_payment(self, booking_id: UUID, provider: str, payment_id: str) -> bool:
        """Note a reserved booking's payment; False when it is no longer reserved."""

    async def mark_paid(
        self, booking_id: UUID, now: datetime, provider: str, payment_id: str
    ) -> Booking | None:
        """Move a booking reserved until after ``now`` to paid by that payment (the one a
        refund gives back); None when it is not (any more) reserved: expired, refunded,
        cancelled, paid already, or past its deadline."""

    async def pending_releases(
        self, limit: int, ids: Sequence[UUID] | None = None
    ) -> list[Booking]:
        """Cancelled, expired or refunded bookings (of ``ids``, or any) whose give-back is
        still pending."""

    async def mark_released(self, ids: Sequence[UUID]) -> None: ...

    async def settled_state(
        self, ticket_type_id: UUID, booking_ids: Sequence[UUID]
    ) -> tuple[TicketType, dict[UUID, BookingStatus]] | None:
        """Read in one snapshot: the ticket type (with ``sold``) and the status of those of
        ``booking_ids`` the database holds."""


class WaitingRoomRepository(Protocol):
    async def save(self, room: RoomSettings, at: datetime) -> None:
        """Create or replace the event's room."""

    async def get(self, event_id: UUID) -> RoomSettings | None: ...

    async def active(self, now: datetime) -> list[RoomSettings]:
        """The enabled rooms of events that have not started at ``now``."""


class OffsetRepository(Protocol):
    async def load(self, group: str, topic: str) -> dict[int, int]:
        """partition -> next offset to consume."""

    async def store(self, group: str, topic: str, offsets: Mapping[int, int]) -> None: ...


class PaymentEventRepository(Protocol):
    async def record_once(self, event: PaymentEvent, at: datetime) -> bool:
        """Record that ``event`` was received; True only for the first of its deliveries,
        however many race (a unique key decides, not a read before the write)."""


@dataclass(frozen=True, slots=True)
class TicketDetails:
    """A ticket with what its holder reads on it."""

    ticket: Ticket
    event_name: str
    starts_at: datetime
    ticket_type_name: str


@dataclass(frozen=True, slots=True)
class Attendee:
    """A row of an event's attendee list."""

    ticket: Ticket
    ticket_type_name: str
    buyer_email: str


class TicketRepository(Protocol):
    async def issue(self, tickets: Sequence[Ticket]) -> None:
        """Insert the tickets, new (neither checked in nor void), skipping any whose
        (booking, position) exists: issuing a booking again changes nothing."""

    async def void(self, booking_id: UUID) -> None:
        """Mark every ticket of the booking void."""

    async def of_booking(self, booking_id: UUID) -> list[TicketDetails]:
        """In position order."""

    async def get(self, code: str) -> TicketDetails | None: ...

    async def check_in(self, code: str, at: datetime) -> TicketDetails | None:
        """Set the ticket's check-in time to ``at`` in one conditional write, only if it is
        not void nor checked in already; the ticket only when this call checked it in, so
        of any number of racing calls exactly one gets it."""

    async def counts(self, event_id: UUID) -> tuple[int, int]:
        """(issued, checked in) of the event's tickets that are not void."""

    async def attendees(self, event_id: UUID, after: str | None, limit: int) -> list[Attendee]:
        """The event's tickets, void ones too, in code order from just past ``after``."""


class RefusedByDatabase(Exception):
    """The database refused a write for what it holds (a foreign key to a row it lacks, a
    value out of range): the same write is refused every time, so retrying cannot help."""


class Reads(Protocol):
    """Reads that need no common snapshot: each statement runs on its own, outside any
    transaction, and sees what was committed when it ran. There is nothing to commit: it is
    for reads only. Raises DatabaseUnavailable when the database does not answer."""

    users: UserRepository
    events: EventRepository
    bookings: BookingRepository
    offsets: OffsetRepository
    audit: AuditRepository

    api_keys: ApiKeyRepository
    payment_events: PaymentEventRepository
    waiting_rooms: WaitingRoomRepository
    tickets: TicketRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWork(Reads, Protocol):
    """One transaction: its reads are one snapshot. Raises DatabaseUnavailable when the
    database does not answer (it may answer a retry) and RefusedByDatabase when it refuses
    a write (it never will)."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork: ...


class ReadsFactory(Protocol):
    def __call__(self) -> Reads: ...


# --- Stock and holds ----------------------------------------------------------------------


class Admission(enum.Enum):
    """What the stock store answered. A refusal is spelled as the slug of the error the client
    is given (``reserve.lua`` answers the same words), so each refusal kind is named once."""

    RESERVED = "reserved"
    DUPLICATE = "duplicate"
    UNKNOWN = "unknown"
    """The stock is not loaded: rebuild it from the database, then try again."""
    KEY_REUSED = IdempotencyKeyReused.slug
    SOLD_OUT = SoldOut.slug
    PER_USER_LIMIT = PerUserLimitReached.slug
    SALE_NOT_OPEN = SaleNotOpen.slug

    def refusal(self) -> DomainError | None:
        """A new error for each refused request: a shared instance would gather every
        request's frames in its traceback."""
        error = _REFUSALS.get(self.value)
        return error() if error is not None else None


_REFUSALS: dict[str, type[DomainError]] = {
    e.slug: e for e in (IdempotencyKeyReused, SoldOut, PerUserLimitReached, SaleNotOpen)
}


@dataclass(frozen=True, slots=True)
class StockLoad:
    """Everything the stock store needs to admit buyers of one ticket type."""

    ticket_type_id: UUID
    event_id: UUID
    remaining: int
    per_user_limit: int | None
    sale_opens_at: datetime | None
    sale_closes_at: datetime
    per_user: Mapping[UUID, int]
    """Tickets each buyer holds: confirmed plus held."""
    keyed_bookings: Mapping[UUID, str]
    holds: Sequence[BookingRequest] = ()


@dataclass(frozen=True, slots=True)
class Settlement:
    """What the worker did with one request, for the stock store to clear its hold."""

    request: BookingRequest
    confirmed: bool


@dataclass(frozen=True, slots=True)
class Inventory:
    ticket_type_id: UUID
    remaining: int
    version: int


@dataclass(frozen=True, slots=True)
class HoldSnapshot:
    version: int
    holds: dict[UUID, int]
    """booking id -> quantity of every hold on the ticket type."""
    remaining: int
    oldest_sent_at: datetime | None
    """When the hold sent longest ago was last sent (the sweeper sends stale ones again)."""


class StockStore(Protocol):
    async def reserve(self, request: BookingRequest) -> Admission:
        """In one atomic step: sale window, idempotency, per-user limit and stock checked;
        on success the stock is decremented and a hold recorded."""

    async def load(self, stock: StockLoad, *, replace: bool = False) -> bool:
        """Install a ticket type's stock; without ``replace`` only when none is loaded.

        Returns whether it was installed."""

    async def get_hold(self, booking_id: UUID) -> BookingRequest | None: ...

    async def surviving_holds(self, ticket_type_id: UUID) -> list[BookingRequest]:
        """The holds of a ticket type still stored while its stock is not loaded (a partial
        loss): a load must count them, not wipe them. Empty while the stock is loaded."""

    async def settle(self, settlements: Sequence[Settlement]) -> dict[UUID, Inventory]:
        """Clear the holds of applied requests. A rejected request gives its tickets back,
        exactly once: only when its hold was still there.

        Returns the inventory of the settled ticket types as this call left them (the loaded
        ones), as ``inventory`` would: the caller publishes it without reading it again."""

    async def release(self, ticket_type_id: UUID, user_id: UUID, quantity: int) -> None:
        """Give a cancelled booking's tickets back to its buyer's count. The remaining
        stock is left alone: reconcile sets it from the database, so a cancel is never
        counted twice (once by a reconcile that read it, once by this)."""

    async def inventory(self, ticket_type_ids: Sequence[UUID]) -> dict[UUID, Inventory]:
        """Remaining and version of each loaded ticket type; unloaded ones are absent."""

    async def ticket_types(self) -> list[UUID]:
        """Every ticket type this store has stock or holds of."""

    async def claim_stale_holds(
        self, older_than: datetime, now: datetime, limit: int, ticket_type_ids: Sequence[UUID]
    ) -> list[BookingRequest]:
        """Holds of these ticket types last sent before ``older_than``; each returned hold
        counts as sent at ``now``."""

    async def hold_snapshot(self, ticket_type_id: UUID) -> HoldSnapshot | None: ...

    async def compare_and_set(self, ticket_type_id: UUID, version: int, remaining: int) -> bool:
        """Set the remaining stock only if nothing changed it since ``version``."""


# --- The booking queue --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueRecord:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Sequence[tuple[str, bytes]] = ()
    """What the sender attached besides the request: the trace context it was sent in."""


def next_offsets(records: Sequence[QueueRecord]) -> dict[int, int]:
    """partition -> the offset after the last of these records: where consuming resumes."""
    offsets: dict[int, int] = {}
    for record in records:
        offsets[record.partition] = max(offsets.get(record.partition, 0), record.offset + 1)
    return offsets


class BookingQueue(Protocol):
    async def send(self, request: BookingRequest) -> None:
        """Return only once the request is durably stored. Raises QueueUnavailable."""


class QueueConsumer(Protocol):
    async def poll(self, max_records: int, timeout: float) -> list[QueueRecord]:
        """The next records of the partitions this consumer owns, in offset order per
        partition. Uncommitted records are delivered again to the next owner."""

    async def commit(self, records: Sequence[QueueRecord]) -> None:
        """Commit the position past these records (after the database commit)."""

    async def dead_letter(self, record: QueueRecord) -> None: ...

    def lag(self) -> Mapping[int, int]:
        """partition -> records past this consumer's position, for each partition it owns
        whose end it knew at its last poll."""

    def stalled(self) -> str | None:
        """Why this consumer is not making progress, or None while it is.

        A reason while partitions it owns have records waiting and none was delivered for
        longer than its stall threshold. A consumer that is idle (nothing waiting) or not
        polled at all (its worker is busy elsewhere) is not stalled.
        """


# --- Pub/sub ------------------------------------------------------------------------------


class Subscription(Protocol):
    def __aiter__(self) -> AsyncIterator[bytes]: ...

    async def close(self) -> None: ...


class PubSub(Protocol):
    async def publish(self, channel: str, message: bytes) -> None: ...

    async def subscribe(
        self, channel: str, on_gap: Callable[[], None] | None = None
    ) -> Subscription:
        """Every message published on ``channel`` by any process once this returns.

        Delivery is at most once: when messages may have been missed (a lost connection),
        ``on_gap`` is called once the subscription is back, so the reader can resync.
        """


# --- Sessions -----------------------------------------------------------------------------


class Rotation(enum.Enum):
    ROTATED = "rotated"
    """The presented refresh token was its session's current one; the new one replaces it."""
    REUSED = "reused"
    """The presented refresh token was its session's once, and was rotated already."""
    UNKNOWN = "unknown"
    """No live session has ever had this refresh token."""


class SessionStore(Protocol):
    """Sessions (refresh token families) and the ids of revoked ones. Refresh tokens are
    kept only as hashes. Every change is one atomic step across processes."""

    async def create(
        self, session_id: str, user_id: UUID, token_hash: str, ttl: timedelta
    ) -> None: ...

    async def rotate(
        self, session_id: str, presented_hash: str, new_hash: str, ttl: timedelta
    ) -> tuple[Rotation, UUID | None]:
        """Replace the session's current refresh token by ``new_hash`` when it is
        ``presented_hash``, and extend the session by ``ttl``. Returns the outcome and the
        session's user (None when UNKNOWN)."""

    async def revoke(self, session_ids: Sequence[str], remember_for: timedelta) -> None:
        """Forget the sessions and remember their ids as revoked for ``remember_for`` (the
        lifetime of the access tokens issued for them)."""

    async def sessions_of(self, user_id: UUID) -> list[str]:
        """The ids of the user's live sessions."""

    async def is_revoked(self, session_id: str) -> bool: ...


class PasswordHasher(Protocol):
    """Deliberately slow hashing: implementations keep it off the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...


# --- Payments -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Webhook:
    """A webhook as it arrived: the raw body (its signature covers these exact bytes) and
    its headers, by lower-case name."""

    body: bytes
    headers: Mapping[str, str]


class PaymentProvider(Protocol):
    async def create(self, request: PaymentRequest) -> Checkout:
        """Start the booking's payment; the same booking gets the same payment however
        often this is called. Raises PaymentProviderUnavailable."""

    async def refund(self, payment_id: str, booking_id: UUID) -> Webhook | None:
        """Give the whole payment back; a payment refunded already stays refunded. The
        outcome is a ``refunded`` event: the webhook telling it when the provider answers
        at once (the built-in one), None when it comes later over HTTP (Stripe). Raises
        PaymentProviderUnavailable."""

    def parse_webhook(self, webhook: Webhook) -> PaymentEvent | None:
        """The payment event a webhook tells of, once its signature verifies; None for a
        genuine webhook about something else (another event type, another shop's payment).
        Raises InvalidWebhook for a forged signature or a stale timestamp."""


class BuiltinPaymentProvider(PaymentProvider, Protocol):
    """The built-in provider: no money moves, a test card number decides the outcome."""

    def pay(self, payment_id: str, card_number: str) -> Webhook | None:
        """The webhook the provider sends for a payment attempt with this card, or None for
        the card that never answers. Raises UnknownPayment and InvalidTestCard."""


# --- Rate limits --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rate:
    """``limit`` requests per ``period_seconds``: a client may send them all at once, then
    one more every ``period_seconds / limit`` (GCRA's emission interval)."""

    limit: int
    period_seconds: int

    @property
    def period_us(self) -> int:
        return self.period_seconds * 1_000_000

    @property
    def interval_us(self) -> int:
        return self.period_us // self.limit


@dataclass(frozen=True, slots=True)
class Quota:
    """A rate limiter's answer for one request."""

    allowed: bool
    remaining: int
    """Requests the client may still send at once."""
    retry_after: float
    """Seconds until the next request would be allowed; 0 when it would be now."""


class RateLimiter(Protocol):
    async def acquire(self, key: str, rate: Rate) -> Quota:
        """Spend one request of ``key``'s allowance under ``rate``, atomically across every
        process sharing the limiter. A refused request spends nothing."""


# --- Waiting rooms ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Joined:
    number: int | None
    """The place; None while the buyer waits in the pre-queue for the lottery."""


@dataclass(frozen=True, slots=True)
class RoomCounters:
    now_serving: int
    """Every number up to this one is admitted."""
    assigned: int
    """Numbers given so far (the lottery's and every later join's)."""
    drawn: bool
    """The lottery ran: later joins go to the back, in arrival order."""
    bought: int
    """Admitted buyers who booked with their pass."""
    pre_queued: int
    """Buyers waiting for the lottery."""
    status: bytes | None
    """What the last tick recorded (``save_status``), opaque to the store."""


class WaitingRoomStore(Protocol):
    """Places in each event's waiting room. Every change is one atomic step across
    processes."""

    async def join(self, event_id: UUID, user_id: UUID, *, started: bool) -> Joined | None:
        """The buyer's place, the same on every call. Before the lottery a new buyer joins
        the pre-queue (no number), unless ``started``: then None, meaning "draw the lottery,
        then join again". After it, a new buyer gets the next number."""

    async def place(self, event_id: UUID, user_id: UUID) -> Joined | None:
        """The buyer's place; None when they never joined."""

    async def pre_queue(self, event_id: UUID) -> list[UUID]:
        """Who waits for the lottery, in arrival order."""

    async def draw(self, event_id: UUID, order: Sequence[UUID]) -> bool:
        """Number the pre-queue 1, 2, ... in ``order`` (a permutation of ``pre_queue``), at
        most once. False when the pre-queue is no longer what ``order`` permutes (a join
        came in between): read it and draw again. True once drawn, by this call or any."""

    async def advance(self, event_id: UUID, to: int) -> int:
        """Admit every number up to ``to``, never past the last one given and never back;
        the new now-serving. A target, not an increment: two processes that decided from
        the same counters (a lease that lapsed mid-tick) admit once, not twice."""

    async def counters(self, event_id: UUID) -> RoomCounters: ...

    async def bought(self, event_id: UUID, user_id: UUID) -> None:
        """The buyer booked with their pass: counted once per buyer."""

    async def admitted_at(self, event_id: UUID, user_id: UUID, now: datetime) -> datetime:
        """When the buyer's pass was first issued: ``now`` the first time, the same after,
        so asking again never extends a pass."""

    async def save_status(self, event_id: UUID, status: bytes, keep_until: datetime) -> None:
        """Record the tick's status; the whole room is forgotten after ``keep_until``."""

    async def lease(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Hold (or renew) the lease ``name`` for ``ttl`` unless another holder has it: the
        one process that ticks the rooms."""


@dataclass(frozen=True, slots=True)
class Spare:
    """The stock an offer may give: ``remaining`` tickets of the type, read after the
    list's purchase count was ``bought``. The store subtracts the offers outstanding and the
    purchases since, in the same step as it offers, so two offers racing each other never
    give the same ticket twice."""

    remaining: int
    bought: int


class WaitingListStore(Protocol):
    """Each sold-out ticket type's waiting list. Every change is one atomic step across
    processes; an offer is always one ticket, taken from the front of the line."""

    async def join(
        self, event_id: UUID, ticket_type_id: UUID, user_id: UUID, keep_until: datetime
    ) -> Offers:
        """Put the buyer at the back of the line, unless they wait or hold an offer already
        (then nothing changes). The list is forgotten after ``keep_until``."""

    async def place(self, ticket_type_id: UUID, user_id: UUID) -> ListPlace | None:
        """The buyer's place; None when they never joined."""

    async def offer(
        self, ticket_type_id: UUID, count: int, spare: Spare, expires_at: datetime
    ) -> Offers:
        """Offer one ticket each to the next ``count`` in line: fewer if fewer wait, and
        never more than ``spare`` leaves unoffered (read against the offers at that step)."""

    async def lapse(self, ticket_type_id: UUID, now: datetime, expires_at: datetime) -> Offers:
        """Lapse the offers expired by ``now`` and offer each of them to the next in line."""

    async def leave(self, ticket_type_id: UUID, user_id: UUID, expires_at: datetime) -> Offers:
        """Take the buyer off the line; an offer they held goes to the next in line."""

    async def use(self, ticket_type_id: UUID, user_id: UUID, now: datetime) -> bool:
        """The buyer books with their offer: True (and bought) only for an offer not yet
        expired, once."""

    async def counts(self, ticket_type_id: UUID) -> ListCounts | None:
        """None when nobody ever joined."""

    async def gated(self) -> dict[UUID, UUID]:
        """Ticket type -> event of every list with anyone waiting or holding an offer."""
