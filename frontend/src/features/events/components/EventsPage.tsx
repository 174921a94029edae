import { useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorMessage } from "../../../components/ErrorMessage";
import { LoadMoreButton } from "../../../components/LoadMoreButton";
import { LiveBadge, RemainingCount } from "../../../components/LiveStatus";
import { PageHeading } from "../../../components/PageHeading";
import type { Event } from "../../../lib/api-types";
import { formatDateTime, formatMoney } from "../../../lib/format";
import { useLiveEvents } from "../../../lib/realtime/react";
import { eventsQueryOptions } from "../api";
import { useSaleCountdown } from "../use-sale-countdown";

export function EventsPage() {
  const query = useInfiniteQuery(eventsQueryOptions);
  const events = query.data?.pages.flatMap((page) => page.items) ?? [];
  useLiveEvents(events.map((event) => event.id));

  return (
    <>
      <PageHeading title="Events">Events</PageHeading>
      {query.isPending ? (
        <p role="status">Loading events…</p>
      ) : query.isError ? (
        <ErrorMessage error={query.error} retry={() => void query.refetch()} />
      ) : events.length === 0 ? (
        <p>No events on sale yet.</p>
      ) : (
        <ul className="event-list" aria-label="Events">
          {events.map((event) => (
            <EventCard key={event.id} event={event} />
          ))}
        </ul>
      )}
      <LoadMoreButton query={query}>More events</LoadMoreButton>
    </>
  );
}

function EventCard({ event }: { event: Event }) {
  const headingId = `event-${event.id}`;
  const sale = useSaleCountdown(event.sale_starts_at, 1000);
  return (
    <li className="card event-card" aria-labelledby={headingId} data-testid="event-card">
      <div className="card-head">
        <h2 id={headingId} className="card-title">
          <Link to={`/events/${event.id}`}>{event.name}</Link>
        </h2>
        <LiveBadge eventId={event.id} />
      </div>
      <p className="muted">
        {event.venue} · <time dateTime={event.starts_at}>{formatDateTime(event.starts_at)}</time>
      </p>
      {!sale.open && event.sale_starts_at && (
        <p className="muted">Sale opens {formatDateTime(event.sale_starts_at)}</p>
      )}
      <ul className="ticket-summary">
        {event.ticket_types.map((ticketType) => (
          <li key={ticketType.id}>
            <span>
              {ticketType.name} · {formatMoney(ticketType.price_cents, ticketType.currency)}
            </span>
            <RemainingCount
              eventId={event.id}
              ticketTypeId={ticketType.id}
              remaining={ticketType.remaining}
              label={`${ticketType.name} remaining`}
            />
          </li>
        ))}
      </ul>
    </li>
  );
}
