import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { ErrorMessage } from "../../../components/ErrorMessage";
import { LiveBadge, RemainingCount } from "../../../components/LiveStatus";
import { PageHeading } from "../../../components/PageHeading";
import { formatDateTime, formatMoney } from "../../../lib/format";
import { useIsEventLive, useLiveEvents } from "../../../lib/realtime/react";
import { eventQueryOptions } from "../../events/api";
import { RoomAdmin } from "../../waiting-room/components/RoomAdmin";
import { useSalesRate } from "../sales-rate";
import { EventOperations } from "./EventOperations";

const rateFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** Live sales of one event for its organiser. */
export function SalesPage() {
  const { eventId = "" } = useParams();
  const queryClient = useQueryClient();
  const query = useQuery(eventQueryOptions(eventId, queryClient));
  useLiveEvents(query.data ? [eventId] : []);
  const rates = useSalesRate(eventId);
  const live = useIsEventLive(eventId);

  if (query.isPending) return <p role="status">Loading sales…</p>;
  if (query.isError) return <ErrorMessage error={query.error} retry={() => void query.refetch()} />;
  const event = query.data;
  const totals = event.ticket_types.reduce(
    (acc, t) => ({
      capacity: acc.capacity + t.capacity,
      sold: acc.sold + (t.capacity - t.remaining),
      remaining: acc.remaining + t.remaining,
    }),
    { capacity: 0, sold: 0, remaining: 0 },
  );
  const staleClass = live ? "" : "is-stale";
  return (
    <section>
      <PageHeading title={`Sales · ${event.name}`}>Sales: {event.name}</PageHeading>
      <p className="muted">
        {event.venue} · {formatDateTime(event.starts_at)} ·{" "}
        {event.sale_starts_at ? `sale opens ${formatDateTime(event.sale_starts_at)}` : "sale open"} ·{" "}
        <Link to={`/events/${event.id}`}>Buyer's page</Link>
      </p>
      <div className="section-head">
        <h2>Live sales</h2>
        <LiveBadge eventId={event.id} />
      </div>
      <dl className={`stats ${staleClass}`}>
        <div>
          <dt>Sold</dt>
          <dd data-testid="total-sold">{totals.sold.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Remaining</dt>
          <dd data-testid="total-remaining">{totals.remaining.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Tickets per second</dt>
          <dd data-testid="total-rate">{rateFormat.format(rates.total)}</dd>
        </div>
      </dl>
      <div className="table-wrap">
        <table className={`sales-table ${staleClass}`}>
          <caption className="visually-hidden">Sales per ticket type (tickets per second over the last 10 seconds)</caption>
          <thead>
            <tr>
              <th scope="col">Ticket type</th>
              <th scope="col">Price</th>
              <th scope="col">Capacity</th>
              <th scope="col">Sold</th>
              <th scope="col">Remaining</th>
              <th scope="col">Per second</th>
            </tr>
          </thead>
          <tbody>
            {event.ticket_types.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.name}</th>
                <td>{formatMoney(t.price_cents, t.currency)}</td>
                <td>{t.capacity.toLocaleString()}</td>
                <td data-testid={`sold-${t.id}`}>{(t.capacity - t.remaining).toLocaleString()}</td>
                <td>
                  <RemainingCount eventId={event.id} ticketTypeId={t.id} remaining={t.remaining} />
                </td>
                <td>{rateFormat.format(rates.byTicketType.get(t.id) ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <RoomAdmin eventId={event.id} />
      <EventOperations eventId={event.id} />
    </section>
  );
}
