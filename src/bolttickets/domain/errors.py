"""One exception hierarchy for every business refusal.

Each error carries a stable ``slug``; the API maps slugs to HTTP problem details in one place.
"""

from datetime import datetime
from uuid import UUID


class DomainError(Exception):
    slug = "domain-error"
    title = "Request refused"
    explanation: str | None = None
    """The detail given when the raiser gives none."""

    def __init__(self, detail: str | None = None) -> None:
        detail = detail or self.explanation or self.title
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    slug = "not-found"
    title = "Not found"


class SoldOut(DomainError):
    slug = "sold-out"
    title = "Sold out"
    explanation = "No tickets of this type remain."


class PerUserLimitReached(DomainError):
    slug = "per-user-limit"
    title = "Per-user limit reached"
    explanation = "This would take you over the limit of tickets per buyer."


class SaleNotOpen(DomainError):
    slug = "sale-not-open"
    title = "Sale not open"
    explanation = "The sale for this ticket type is not open."


class IdempotencyKeyReused(DomainError):
    slug = "idempotency-key-reused"
    title = "Idempotency key reused with a different request"
    explanation = "This Idempotency-Key was used for a different request."


class BookingNotCancellable(DomainError):
    slug = "booking-not-cancellable"
    title = "Booking cannot be cancelled"


class BookingNotReserved(DomainError):
    slug = "booking-not-reserved"
    title = "Booking not reserved"
    explanation = "Only a reserved booking, before its deadline, can be paid."


class BookingNotRefundable(DomainError):
    slug = "booking-not-refundable"
    title = "Booking cannot be refunded"
    explanation = "Only a paid booking can be refunded."


class EmailTaken(DomainError):
    slug = "email-taken"
    title = "Email already registered"


class LastAdmin(DomainError):
    """The change would leave no admin: nobody could manage roles or API keys again."""

    slug = "last-admin"
    title = "The last admin"


class InvalidCredentials(DomainError):
    slug = "invalid-credentials"
    title = "Invalid email or password"


class UnknownAccount(DomainError):
    slug = "unauthorized"
    title = "Authentication required"
    explanation = "The account this token was issued for does not exist; log in again."


class InvalidRefreshToken(DomainError):
    slug = "invalid-refresh-token"
    title = "Invalid refresh token"
    explanation = (
        "The refresh token is unknown, expired or its session was logged out; log in again."
    )


class RefreshTokenReused(DomainError):
    """A refresh token presented twice: one of the two holders stole it, so the whole
    session is revoked."""

    slug = "refresh-token-reused"
    title = "Refresh token reused"
    explanation = "This refresh token was used already; its session is revoked: log in again."


class Forbidden(DomainError):
    slug = "forbidden"
    title = "Forbidden"


class RefundWindowClosed(Forbidden):
    slug = "refund-window-closed"
    title = "Refund window closed"
    explanation = "The buyer's refunds of this event are over; its organiser can still refund."


class MissingScope(Forbidden):
    """An API key asked for something its scopes do not cover."""

    slug = "insufficient-scope"
    title = "Insufficient scope"


class InvalidApiKey(DomainError):
    """A credential shaped like an API key that is unknown, wrong, revoked or expired."""

    slug = "unauthorized"
    title = "Authentication required"
    explanation = "This API key is not valid: unknown, revoked or expired."


class InvalidApiKeyRequest(DomainError):
    slug = "validation-error"
    title = "Invalid API key request"


class InvalidEvent(DomainError):
    slug = "validation-error"
    title = "Invalid event"


class InvalidCursor(DomainError):
    slug = "validation-error"
    title = "Invalid cursor"


class InvalidPayment(DomainError):
    slug = "validation-error"
    title = "Invalid payment"


class UnknownPayment(NotFound):
    """A payment id this provider did not make."""

    title = "Unknown payment"
    explanation = "No payment with this id was made here."


class InvalidTestCard(DomainError):
    slug = "validation-error"
    title = "Not a test card number"
    explanation = (
        "The test provider takes 4242424242424242 (pays), 4000000000000002 (declined) "
        "and 4000000000009995 (never answers)."
    )


class InvalidWebhook(DomainError):
    """A webhook whose signature does not verify: forged, signed with another secret, or
    older than the tolerance allows (a replay). Nothing of it is read."""

    slug = "invalid-webhook"
    title = "Invalid webhook"
    explanation = "The webhook's signature does not verify, or its timestamp is too old."


class Unavailable(DomainError):
    """A service the request needs did not answer; the request's outcome may be unknown.

    ``booking_id`` names the booking it was for, once known: its hold may still be booked
    (the sweeper sends it), so a client looks the booking up before it retries.
    """

    slug = "service-unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str | None = None, *, booking_id: UUID | None = None) -> None:
        super().__init__(detail)
        self.booking_id = booking_id

    def of_booking(self, booking_id: UUID) -> "Unavailable":
        """The same refusal, naming the booking it was for."""
        return type(self)(self.detail, booking_id=booking_id)


class QueueUnavailable(Unavailable):
    """The booking could not be handed to the queue."""

    slug = "queue-unavailable"
    title = "Booking queue unavailable"


class StockUnavailable(Unavailable):
    """The stock store (Redis) did not answer."""

    slug = "stock-unavailable"
    title = "Stock unavailable"


class DatabaseUnavailable(Unavailable):
    """The database did not answer (restarting, unreachable, out of connections)."""

    slug = "database-unavailable"
    title = "Database unavailable"


class PaymentProviderUnavailable(Unavailable):
    """The payment provider did not answer, or answered that it cannot right now."""

    slug = "payment-provider-unavailable"
    title = "Payment provider unavailable"


class SessionsUnavailable(Unavailable):
    """The session store did not answer: nobody can log in, refresh or log out."""

    slug = "sessions-unavailable"
    title = "Session store unavailable"


class InvalidWaitingRoom(DomainError):
    slug = "validation-error"
    title = "Invalid waiting room"


class WaitingRoomRequired(DomainError):
    """A booking for an event whose waiting room is on, without a valid admission pass."""

    slug = "waiting-room"
    title = "Admission pass required"
    explanation = (
        "This sale has a waiting room: join it, and book with the admission pass you get "
        "once admitted (the Admission-Pass header)."
    )

    def __init__(self, detail: str | None = None, *, event_id: UUID | None = None) -> None:
        super().__init__(detail)
        self.event_id = event_id


class WaitingRoomNotOpen(DomainError):
    slug = "waiting-room-not-open"
    title = "Waiting room not open"
    explanation = "This event's waiting room is not open yet, or it closed."


class WaitingListRequired(DomainError):
    """A booking of a ticket type others wait for, without a valid offer of it."""

    slug = "waiting-list"
    title = "Waiting-list offer required"
    explanation = (
        "Buyers are waiting for this ticket type: the tickets that come back are offered to "
        "them in turn. Join its waiting list, and book with the offer's pass (the "
        "Admission-Pass header) once you get one."
    )

    def __init__(self, detail: str | None = None, *, event_id: UUID | None = None) -> None:
        super().__init__(detail)
        self.event_id = event_id


class NotSoldOut(DomainError):
    slug = "not-sold-out"
    title = "Not sold out"
    explanation = "This ticket type still has tickets: book one instead of waiting."


class UnknownTicket(NotFound):
    slug = "unknown-ticket"
    title = "Unknown ticket"
    explanation = "No ticket has this code."


class AlreadyCheckedIn(DomainError):
    slug = "already-checked-in"
    title = "Already checked in"

    def __init__(self, checked_in_at: datetime) -> None:
        super().__init__(f"This ticket was checked in at {checked_in_at.isoformat()}.")
        self.checked_in_at = checked_in_at


class TicketVoid(DomainError):
    slug = "ticket-void"
    title = "Ticket void"
    explanation = "This ticket's booking was refunded or cancelled."
