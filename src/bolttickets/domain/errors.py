"""One exception hierarchy for every business refusal.

Each error carries a stable ``slug``; the API maps slugs to HTTP problem details in one place.
"""


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


class EmailTaken(DomainError):
    slug = "email-taken"
    title = "Email already registered"


class InvalidCredentials(DomainError):
    slug = "invalid-credentials"
    title = "Invalid email or password"


class Forbidden(DomainError):
    slug = "forbidden"
    title = "Forbidden"


class InvalidEvent(DomainError):
    slug = "validation-error"
    title = "Invalid event"


class InvalidCursor(DomainError):
    slug = "validation-error"
    title = "Invalid cursor"


class QueueUnavailable(DomainError):
    """The booking could not be handed to the queue; its outcome may be unknown."""

    slug = "queue-unavailable"
    title = "Booking queue unavailable"
