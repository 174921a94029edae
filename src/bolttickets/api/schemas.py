"""Request and response bodies of the public API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from bolttickets.api import password_policy
from bolttickets.domain.model import (
    DEFAULT_PAYMENT_WINDOW_SECONDS,
    MIN_PAYMENT_WINDOW_SECONDS,
    ApiKey,
    Booking,
    TicketType,
    User,
)
from bolttickets.domain.waiting_list import ListCounts
from bolttickets.domain.waiting_room import (
    DEFAULT_AUTOMATIC_FACTOR,
    DEFAULT_PASS_TTL_SECONDS,
    RoomSettings,
)
from bolttickets.services.catalog import EventView
from bolttickets.services.ports import AuditEntry, TicketDetails
from bolttickets.services.privacy import PersonalData
from bolttickets.services.waiting_list import PlaceView as ListPlaceView
from bolttickets.services.waiting_room import PlaceView, RoomOverview

# PostgreSQL text cannot hold NUL, and no name or address needs a control character:
# refused here, they are a 422 instead of a driver error.
_PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_PRINTABLE),
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]

MAX_QUANTITY = 100


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # an offset that takes it past year 1 or 9999
        raise ValueError("the time is out of range once in UTC") from exc


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


NewPassword = Annotated[
    str,
    Field(
        min_length=password_policy.MIN_LENGTH,
        max_length=password_policy.MAX_LENGTH,
        description="Not one of the 30,000 most common passwords, nor the email address.",
    ),
    AfterValidator(password_policy.refuse_common),
]


class Credentials(Strict):
    email: EmailStr
    password: NewPassword

    @model_validator(mode="after")
    def _password_is_not_the_email(self) -> Credentials:
        if self.password.lower() in (self.email.lower(), self.email.partition("@")[0].lower()):
            raise ValueError("the password must not be the email address or its user name")
        return self


class LoginIn(Strict):
    email: str = Field(min_length=1, max_length=320, pattern=_PRINTABLE)
    password: str = Field(min_length=1, max_length=password_policy.MAX_LENGTH)


RoleName = Literal["customer", "organizer", "admin", "door"]
ScopeName = Literal["events:read", "events:write", "bookings:read", "bookings:write"]


class UserOut(BaseModel):
    id: UUID
    email: str
    role: RoleName
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, email=user.email, role=user.role.value, created_at=user.created_at)


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str | None


class RoleIn(Strict):
    role: RoleName


class ApiKeyIn(Strict):
    name: Name
    scopes: list[ScopeName] = Field(min_length=1, max_length=4)
    owner_id: UUID | None = Field(
        default=None,
        description="The user the key acts for (whose bookings bookings:write makes); "
        "unset: the admin making it",
    )
    expires_at: UtcDatetime | None = Field(default=None, description="Unset: never")


class ApiKeyOut(BaseModel):
    id: UUID
    name: str
    prefix: str
    scopes: list[ScopeName]
    owner_id: UUID
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(description="Updated at most once a minute")

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            scopes=sorted(key.scopes),
            owner_id=key.owner_id,
            created_at=key.created_at,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
        )


class ApiKeyCreated(ApiKeyOut):
    secret: str = Field(
        description="The key, bt_<prefix>_<secret>: shown this once, never again (only a "
        "keyed hash of it is kept)"
    )


class ApiKeyPage(BaseModel):
    items: list[ApiKeyOut]
    next_cursor: str | None


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds the access token is valid for")
    refresh_token: str = Field(
        description="Single use: POST it to /api/auth/refresh for a new pair. Browsers get "
        "it as an HttpOnly cookie too, and need not keep it."
    )
    refresh_expires_in: int = Field(description="Seconds the session lives without a refresh")


class RefreshIn(Strict):
    refresh_token: str = Field(min_length=1, max_length=512)


class TicketTypeIn(Strict):
    name: Name
    price_cents: int = Field(ge=0, le=100_000_000)
    currency: Currency = "EUR"
    capacity: int = Field(ge=1, le=10_000_000)
    per_user_limit: int | None = Field(default=None, ge=1, le=MAX_QUANTITY)


class EventIn(Strict):
    name: Name
    venue: Name
    starts_at: UtcDatetime
    sale_starts_at: UtcDatetime | None = None
    ticket_types: list[TicketTypeIn] = Field(min_length=1, max_length=20)
    payment_window_seconds: int = Field(
        default=DEFAULT_PAYMENT_WINDOW_SECONDS,
        ge=MIN_PAYMENT_WINDOW_SECONDS,
        le=7 * 24 * 3600,
        description="How long a priced booking stays reserved for its buyer to pay",
    )
    refunds_until: UtcDatetime | None = Field(
        default=None,
        description="Until when buyers may refund their own paid bookings; null: only the "
        "organiser or an admin refunds",
    )


class TicketTypeOut(BaseModel):
    id: UUID
    event_id: UUID
    name: str
    price_cents: int
    currency: str
    capacity: int
    per_user_limit: int | None
    remaining: int

    @classmethod
    def of(cls, tt: TicketType, remaining: int) -> TicketTypeOut:
        return cls(
            id=tt.id,
            event_id=tt.event_id,
            name=tt.name,
            price_cents=tt.price_cents,
            currency=tt.currency,
            capacity=tt.capacity,
            per_user_limit=tt.per_user_limit,
            remaining=max(0, remaining),
        )


class EventOut(BaseModel):
    id: UUID
    name: str
    venue: str
    starts_at: datetime
    sale_starts_at: datetime | None
    created_at: datetime
    ticket_types: list[TicketTypeOut]
    waiting_room_opens_at: datetime | None = Field(
        default=None,
        description="When the event's sale has a waiting room (until the event starts): when "
        "buyers may join it; a booking then needs its admission pass",
    )
    payment_window_seconds: int
    refunds_until: datetime | None

    @classmethod
    def of(cls, view: EventView, room: RoomSettings | None = None) -> EventOut:
        e = view.event
        return cls(
            id=e.id,
            name=e.name,
            venue=e.venue,
            starts_at=e.starts_at,
            sale_starts_at=e.sale_starts_at,
            created_at=e.created_at,
            ticket_types=[TicketTypeOut.of(t, view.remaining[t.id]) for t in e.ticket_types],
            waiting_room_opens_at=room.opens_at if room else None,
            payment_window_seconds=e.payment_window_seconds,
            refunds_until=e.refunds_until,
        )


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None


class BookingIn(Strict):
    ticket_type_id: UUID
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


BookingStatusName = Literal[
    "pending", "reserved", "paid", "rejected", "expired", "refunded", "cancelled"
]


class BookingAccepted(BaseModel):
    booking_id: UUID
    status: BookingStatusName


class BookingOut(BaseModel):
    id: UUID
    event_id: UUID
    ticket_type_id: UUID
    quantity: int
    unit_price_cents: int
    currency: str
    total_cents: int
    status: BookingStatusName
    reason: str | None
    created_at: datetime
    expires_at: datetime | None = Field(description="While reserved: the deadline to pay")
    payment_id: str | None

    @classmethod
    def of(cls, b: Booking) -> BookingOut:
        return cls(
            id=b.id,
            event_id=b.event_id,
            ticket_type_id=b.ticket_type_id,
            quantity=b.quantity,
            unit_price_cents=b.unit_price_cents,
            currency=b.currency,
            total_cents=b.total_cents,
            status=b.status.value,
            reason=b.reason,
            created_at=b.created_at,
            expires_at=b.expires_at,
            payment_id=b.payment_id,
        )


class BookingPage(BaseModel):
    items: list[BookingOut]
    next_cursor: str | None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, object]] | None = None
    booking_id: UUID | None = Field(
        default=None, description="On a 503 for a booking: the booking it was for"
    )
    location: str | None = Field(default=None, description="Where that booking is found")
    join: str | None = Field(
        default=None,
        description="On a 403 waiting-room: where the buyer joins the event's waiting room",
    )
    checked_in_at: datetime | None = Field(
        default=None, description="On a 409 already-checked-in: when the ticket was first scanned"
    )


class AuditEntryOut(BaseModel):
    id: UUID
    at: datetime
    actor: str = Field(description="`user:<id>`, `api-key:<id>` or `anonymous`")
    actor_ip: str | None
    action: str
    target: str | None = Field(description="What was acted on: `user:<id>`, `event:<id>`, ...")
    details: dict[str, object]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls(
            id=entry.id,
            at=entry.at,
            actor=entry.actor,
            actor_ip=entry.actor_ip,
            action=entry.action,
            target=entry.target,
            details=dict(entry.details),
        )


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None


class PersonalDataOut(BaseModel):
    """Everything BoltTickets holds about the asking user."""

    account: UserOut
    bookings: list[BookingOut]
    audit: list[AuditEntryOut] = Field(description="What they did, and what was done to them")
    exported_at: datetime

    @classmethod
    def of(cls, data: PersonalData) -> PersonalDataOut:
        return cls(
            account=UserOut.of(data.account),
            bookings=[BookingOut.of(b) for b in data.bookings],
            audit=[AuditEntryOut.of(e) for e in data.audit],
            exported_at=data.exported_at,
        )


class HealthOut(BaseModel):
    status: Literal["ok", "ready", "unavailable"]
    checks: dict[str, str] = {}


class WaitingRoomIn(Strict):
    opens_at: UtcDatetime = Field(description="When buyers may join; before the sale starts.")
    admit_per_minute: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Buyers admitted a minute; null: automatic, by the tickets that remain.",
    )
    pass_ttl_seconds: int = Field(default=DEFAULT_PASS_TTL_SECONDS, ge=30, le=24 * 3600)
    automatic_factor: float = Field(
        default=DEFAULT_AUTOMATIC_FACTOR,
        gt=0,
        le=100,
        description="Automatic rate: admit while admitted-but-not-yet-bought buyers are fewer "
        "than the remaining tickets times this.",
    )
    enabled: bool = Field(default=True, description="false turns the room off.")
    offer_ttl_seconds: int | None = Field(
        default=None,
        ge=10,
        le=24 * 3600,
        description="How long a waiting-list offer is held for its buyer before it passes to "
        "the next in line (whether or not the room is enabled); null: the deployment's "
        "default (BOLT_WAITING_LIST_OFFER_TTL_SECONDS, 600).",
    )


class WaitingRoomOut(BaseModel):
    event_id: UUID
    opens_at: datetime
    admit_per_minute: int | None
    pass_ttl_seconds: int
    automatic_factor: float
    enabled: bool
    offer_ttl_seconds: int | None

    @classmethod
    def of(cls, room: RoomSettings) -> WaitingRoomOut:
        return cls(
            event_id=room.event_id,
            opens_at=room.opens_at,
            admit_per_minute=room.admit_per_minute,
            pass_ttl_seconds=room.pass_ttl_seconds,
            automatic_factor=room.automatic_factor,
            enabled=room.enabled,
            offer_ttl_seconds=room.offer_ttl_seconds,
        )


class WaitingRoomOverview(WaitingRoomOut):
    """A room as its organiser watches it."""

    state: Literal["waiting", "sold_out", "closed"]
    now_serving: int = Field(description="Buyers admitted so far")
    numbered: int = Field(description="Places given: the lottery's and every later join's")
    pre_queued: int = Field(description="Buyers waiting for the lottery at the sale's start")
    waiting: int = Field(description="Buyers not yet admitted")
    bought: int = Field(description="Admitted buyers who booked with their pass")
    measured_admit_per_minute: float | None = Field(
        description="Admissions a minute over the last minute; null before the first"
    )

    @classmethod
    def of_overview(cls, overview: RoomOverview) -> WaitingRoomOverview:
        return cls(
            **WaitingRoomOut.of(overview.settings).model_dump(),
            state=overview.state.value,
            now_serving=overview.now_serving,
            numbered=overview.numbered,
            pre_queued=overview.pre_queued,
            waiting=overview.waiting,
            bought=overview.bought,
            measured_admit_per_minute=overview.admit_per_minute,
        )


class WaitingRoomPlace(BaseModel):
    """A buyer's place. Admitted once ``number`` <= ``now_serving``: the WebSocket's
    ``waiting_room`` messages carry ``now_serving``, so a client computes its position."""

    model_config = ConfigDict(populate_by_name=True)

    state: Literal["waiting", "admitted", "sold_out", "closed"] = Field(
        description="closed: the room closed, or the buyer's pass expired unused"
    )
    number: int | None = Field(description="The place; null in the pre-queue until the lottery")
    now_serving: int
    position: int | None = Field(description="Places ahead, one's own included; 0 once admitted")
    estimated_wait_seconds: int | None = Field(
        description="At the measured admission rate; null while unknown"
    )
    admission_pass: str | None = Field(
        alias="pass",
        serialization_alias="pass",
        description="Once admitted: send it as the Admission-Pass header of POST /api/bookings",
    )
    pass_expires_at: datetime | None = None

    @classmethod
    def of(cls, view: PlaceView) -> WaitingRoomPlace:
        return cls(
            state=view.state.value,
            number=view.number,
            now_serving=view.now_serving,
            position=view.position,
            estimated_wait_seconds=view.estimated_wait_seconds,
            admission_pass=view.admission_pass,
            pass_expires_at=view.pass_expires_at,
        )


class WaitlistJoin(Strict):
    ticket_type_id: UUID = Field(description="The sold-out ticket type to wait for")


class WaitlistPlace(BaseModel):
    """A buyer's place on one ticket type's waiting list. The WebSocket's ``waiting_list``
    messages say when offers changed: fetch ``/me`` again then."""

    model_config = ConfigDict(populate_by_name=True)

    ticket_type_id: UUID
    state: Literal["waiting", "offered", "lapsed", "bought", "left"] = Field(
        description="offered: a ticket is held for the buyer until offer_expires_at; lapsed: "
        "it was not taken in time and passed to the next in line"
    )
    position: int | None = Field(
        description="Buyers ahead, one's own included; null unless waiting"
    )
    offer_expires_at: datetime | None
    offer_pass: str | None = Field(
        alias="pass",
        serialization_alias="pass",
        description="While offered: send it as the Admission-Pass header of POST /api/bookings "
        "(one ticket of this type)",
    )

    @classmethod
    def of(cls, view: ListPlaceView) -> WaitlistPlace:
        return cls(
            ticket_type_id=view.ticket_type_id,
            state=view.place.state.value,
            position=view.place.position,
            offer_expires_at=view.place.offer_expires_at,
            offer_pass=view.offer_pass,
        )


class WaitlistPlaces(BaseModel):
    places: list[WaitlistPlace] = Field(description="One per ticket type the buyer joined")


class WaitlistCounts(BaseModel):
    ticket_type_id: UUID
    waiting: int
    offered: int = Field(description="Offers outstanding")
    bought: int = Field(description="Offers taken")
    lapsed: int = Field(description="Offers not taken in time")

    @classmethod
    def of(cls, counts: ListCounts) -> WaitlistCounts:
        return cls(
            ticket_type_id=counts.ticket_type_id,
            waiting=counts.waiting,
            offered=counts.offered,
            bought=counts.bought,
            lapsed=counts.lapsed,
        )


class WaitlistOverview(BaseModel):
    ticket_types: list[WaitlistCounts] = Field(description="The ticket types anyone joined")


class TicketOut(BaseModel):
    code: str = Field(description="The ticket itself: whoever shows it is admitted once")
    booking_id: UUID
    event_id: UUID
    ticket_type_id: UUID
    ticket_type_name: str
    event_name: str
    starts_at: datetime
    checked_in_at: datetime | None

    @classmethod
    def of(cls, t: TicketDetails) -> TicketOut:
        return cls(
            code=t.ticket.code,
            booking_id=t.ticket.booking_id,
            event_id=t.ticket.event_id,
            ticket_type_id=t.ticket.ticket_type_id,
            ticket_type_name=t.ticket_type_name,
            event_name=t.event_name,
            starts_at=t.starts_at,
            checked_in_at=t.ticket.checked_in_at,
        )


class CheckinIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)


class CheckinOut(BaseModel):
    code: str
    event_id: UUID
    ticket_type_id: UUID
    ticket_type_name: str
    checked_in_at: datetime

    @classmethod
    def of(cls, t: TicketDetails) -> CheckinOut:
        assert t.ticket.checked_in_at is not None
        return cls(
            code=t.ticket.code,
            event_id=t.ticket.event_id,
            ticket_type_id=t.ticket.ticket_type_id,
            ticket_type_name=t.ticket_type_name,
            checked_in_at=t.ticket.checked_in_at,
        )


class CheckinCountsOut(BaseModel):
    event_id: UUID
    issued: int = Field(description="Tickets of the event that are not void")
    checked_in: int


class CheckoutIn(Strict):
    provider: Literal["test", "stripe"]


class CheckoutOut(BaseModel):
    payment_id: str
    redirect_url: str = Field(description="The web page's path where the buyer pays")
    client_fields: dict[str, str] = Field(
        description="What the provider's browser library needs (Stripe: client_secret, "
        "publishable_key)"
    )


class TestPaymentIn(Strict):
    card_number: str = Field(min_length=1, max_length=32)


class TestPaymentOut(BaseModel):
    payment_id: str
    outcome: Literal["succeeded", "failed", "pending"] = Field(
        description="pending: the card that never answers; the reservation runs out"
    )


class WebhookReceived(BaseModel):
    received: Literal[True] = True
