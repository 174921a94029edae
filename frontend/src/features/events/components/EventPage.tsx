import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link, useParams } from "react-router";
import { ErrorMessage } from "../../../components/ErrorMessage";
import { LiveBadge, RemainingCount } from "../../../components/LiveStatus";
import { NotFound } from "../../../components/NotFound";
import { PageHeading } from "../../../components/PageHeading";
import type { Event, TicketType } from "../../../lib/api-types";
import { formatDateTime, formatMoney } from "../../../lib/format";
import { isApiError } from "../../../lib/problem";
import { useLiveEvents } from "../../../lib/realtime/react";
import { useMe } from "../../auth/api";
import { PurchaseForm } from "../../bookings/components/PurchaseForm";
import { WaitingListPanel } from "../../waiting-list/components/WaitingListPanel";
import { waitingRoomPath } from "../../waiting-room/paths";
import { eventQueryOptions } from "../api";
import { useSaleCountdown } from "../use-sale-countdown";
import { SaleCountdown } from "./SaleCountdown";

export function EventPage() {
  const { eventId = "" } = useParams();
  const queryClient = useQueryClient();
  const query = useQuery(eventQueryOptions(eventId, queryClient));
  // Subscribe once the HTTP copy is in the cache, so the snapshot lands on top of it.
  useLiveEvents(query.data ? [eventId] : []);

  if (query.isPending) return <p role="status">Loading event…</p>;
  if (query.isError) {
    if (isApiError(query.error, "not-found")) return <NotFound title="Event not found" />;
    return <ErrorMessage error={query.error} retry={() => void query.refetch()} />;
  }
  return <EventDetails event={query.data} />;
}

function EventDetails({ event }: { event: Event }) {
  const { open, msLeft } = useSaleCountdown(event.sale_starts_at);
  const me = useMe();
  useEffect(() => {
    // For the first-render measurement of the e2e suite.
    if (performance.getEntriesByName("bolt:event-rendered").length === 0) performance.mark("bolt:event-rendered");
  }, []);
  return (
    <article className="event-page">
      <PageHeading title={event.name}>{event.name}</PageHeading>
      <p className="muted">
        {event.venue} · <time dateTime={event.starts_at}>{formatDateTime(event.starts_at)}</time>
      </p>
      {!open && event.sale_starts_at ? <SaleCountdown saleStartsAt={event.sale_starts_at} msLeft={msLeft} /> : null}
      <section aria-labelledby="tickets-heading" className="tickets">
        <div className="section-head">
          <h2 id="tickets-heading">Tickets</h2>
          <LiveBadge eventId={event.id} />
        </div>
        {me.data === null && (
          <p className="notice">
            <Link to={`/login?next=${encodeURIComponent(`/events/${event.id}`)}`}>Log in</Link> or{" "}
            <Link to={`/register?next=${encodeURIComponent(`/events/${event.id}`)}`}>create an account</Link> to buy
            tickets.
          </p>
        )}
        {event.waiting_room_opens_at && <WaitingRoomNotice event={event} opensAt={event.waiting_room_opens_at} signedIn={Boolean(me.data)} />}
        <ul className="ticket-types">
          {event.ticket_types.map((ticketType) => (
            <TicketTypeRow
              key={ticketType.id}
              event={event}
              ticketType={ticketType}
              saleOpen={open}
              signedIn={Boolean(me.data)}
            />
          ))}
        </ul>
      </section>
    </article>
  );
}

function TicketTypeRow(props: { event: Event; ticketType: TicketType; saleOpen: boolean; signedIn: boolean }) {
  const { event, ticketType } = props;
  const headingId = `tt-${ticketType.id}`;
  return (
    <li className="card ticket-type" aria-labelledby={headingId} data-testid="ticket-type">
      <div className="ticket-type-head">
        <h3 id={headingId}>{ticketType.name}</h3>
        <p className="price">{formatMoney(ticketType.price_cents, ticketType.currency)}</p>
      </div>
      <p>
        <RemainingCount
          eventId={event.id}
          ticketTypeId={ticketType.id}
          remaining={ticketType.remaining}
          label={`${ticketType.name} remaining`}
        />
        {ticketType.per_user_limit ? (
          <span className="muted"> · at most {ticketType.per_user_limit} per person</span>
        ) : null}
      </p>
      {/* With a waiting room, buying happens in the room once admitted. */}
      {!event.waiting_room_opens_at && <PurchaseForm {...props} />}
      {props.signedIn && ticketType.remaining === 0 && <WaitingListPanel event={event} ticketType={ticketType} />}
    </li>
  );
}

function WaitingRoomNotice({ event, opensAt, signedIn }: { event: Event; opensAt: string; signedIn: boolean }) {
  return (
    <div className="notice waiting-room-notice">
      <p>
        This sale has a waiting room, open from <time dateTime={opensAt}>{formatDateTime(opensAt)}</time>. Everyone in
        it before the sale starts gets a place by lottery, so there is no need to rush; later arrivals join the back of
        the line.
      </p>
      {signedIn && (
        <Link className="button" to={waitingRoomPath(event.id)}>
          Join the waiting room
        </Link>
      )}
    </div>
  );
}
