import { useInfiniteQuery, useQueries } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorMessage } from "../../../components/ErrorMessage";
import { LoadMoreButton } from "../../../components/LoadMoreButton";
import { PageHeading } from "../../../components/PageHeading";
import type { Booking, Event } from "../../../lib/api-types";
import { formatDateTime, formatMoney } from "../../../lib/format";
import { ApiError, errorMessage } from "../../../lib/problem";
import { queryKeys } from "../../../lib/query-keys";
import { useWatchBooking } from "../../../lib/realtime/react";
import { api, unwrap } from "../../../lib/api-client";
import { ReservationCountdown } from "../../checkout/components/ReservationCountdown";
import { bookingsQueryOptions, useCancelBooking, useRecheckBooking } from "../api";
import { problemMessage } from "../messages";
import { isSettling, STATUS_LABEL } from "../status";

/** Names for the events the bookings belong to (bookings carry ids only). */
function useEventNames(eventIds: string[]): Map<string, Event> {
  const results = useQueries({
    queries: [...new Set(eventIds)].map((eventId) => ({
      queryKey: queryKeys.events.detail(eventId),
      queryFn: () => unwrap(api.GET("/api/events/{event_id}", { params: { path: { event_id: eventId } } })),
      staleTime: 5 * 60_000,
    })),
  });
  const events = new Map<string, Event>();
  for (const result of results) if (result.data) events.set(result.data.id, result.data);
  return events;
}

export function MyBookingsPage() {
  const query = useInfiniteQuery(bookingsQueryOptions);
  const bookings = query.data?.pages.flatMap((page) => page.items) ?? [];
  const events = useEventNames(bookings.map((b) => b.event_id));

  return (
    <>
      <PageHeading title="My bookings">My bookings</PageHeading>
      {query.isPending ? (
        <p role="status">Loading bookings…</p>
      ) : query.isError ? (
        <ErrorMessage error={query.error} retry={() => void query.refetch()} />
      ) : bookings.length === 0 ? (
        <p>
          No bookings yet. <Link to="/">Find an event</Link>.
        </p>
      ) : (
        <ul className="booking-list" aria-label="Bookings">
          {bookings.map((booking) => (
            <BookingRow key={booking.id} booking={booking} event={events.get(booking.event_id)} />
          ))}
        </ul>
      )}
      <LoadMoreButton query={query}>More bookings</LoadMoreButton>
    </>
  );
}

function BookingRow({ booking, event }: { booking: Booking; event: Event | undefined }) {
  const cancel = useCancelBooking();
  const recheck = useRecheckBooking(booking.id);
  useWatchBooking(booking.id, isSettling(booking.status));
  // A reservation may be given up; a paid booking is refunded, unless it was free.
  const cancellable = booking.status === "reserved" || (booking.status === "paid" && booking.total_cents === 0);
  const detail = `/bookings/${encodeURIComponent(booking.id)}`;
  const ticketType = event?.ticket_types.find((t) => t.id === booking.ticket_type_id);
  const headingId = `booking-${booking.id}`;
  return (
    <li className="card booking" aria-labelledby={headingId} data-testid="booking-row" data-status={booking.status}>
      <div className="card-head">
        <h2 id={headingId} className="card-title">
          {event ? <Link to={`/events/${event.id}`}>{event.name}</Link> : "Event"}
        </h2>
        <span className={`badge status-${booking.status}`} aria-live="polite">
          {STATUS_LABEL[booking.status]}
        </span>
      </div>
      <p>
        {booking.quantity} × {ticketType?.name ?? "ticket"} · {formatMoney(booking.total_cents, booking.currency)}
      </p>
      <p className="muted">
        Booked <time dateTime={booking.created_at}>{formatDateTime(booking.created_at)}</time>
      </p>
      {booking.status === "rejected" && <p className="notice notice-error">{problemMessage(booking.reason, ticketType)}</p>}
      {booking.status === "reserved" && (
        <>
          <ReservationCountdown expiresAt={booking.expires_at} onElapsed={recheck} />
          <Link className="button" to={detail} aria-label={`Pay now for ${event?.name ?? "this booking"}`}>
            Pay now
          </Link>
        </>
      )}
      {booking.status === "expired" && (
        <p className="notice notice-warn">The time to pay ran out; the tickets went back on sale.</p>
      )}
      {booking.status === "paid" && (
        <p>
          <Link to={detail} aria-label={`Show tickets for ${event?.name ?? "this booking"}`}>
            Show tickets
          </Link>
        </p>
      )}
      {cancellable && (
        <button
          type="button"
          className="button button-secondary"
          disabled={cancel.isPending}
          onClick={() => cancel.mutate(booking.id)}
          aria-describedby={cancel.isError ? `${headingId}-err` : undefined}
        >
          {cancel.isPending ? "Cancelling…" : "Cancel booking"}
        </button>
      )}
      {cancel.isError && (
        <p id={`${headingId}-err`} role="alert" className="notice notice-error">
          {cancel.error instanceof ApiError && cancel.error.slug === "booking-not-cancellable"
            ? "This booking can't be cancelled right now."
            : errorMessage(cancel.error)}
        </p>
      )}
    </li>
  );
}
