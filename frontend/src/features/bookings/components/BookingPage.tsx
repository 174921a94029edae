import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { ErrorMessage } from "../../../components/ErrorMessage";
import { PageHeading } from "../../../components/PageHeading";
import { formatDateTime, formatMoney } from "../../../lib/format";
import { useWatchBooking } from "../../../lib/realtime/react";
import { PayPanel } from "../../checkout/components/PayPanel";
import { ReservationCountdown } from "../../checkout/components/ReservationCountdown";
import { TicketList } from "../../checkout/components/TicketList";
import { eventQueryOptions } from "../../events/api";
import { bookingQueryOptions, useRecheckBooking } from "../api";
import { problemMessage } from "../messages";
import { isSettling, STATUS_LABEL } from "../status";

/** One booking: its state live, the payment while reserved, the tickets once paid. */
export function BookingPage() {
  const { bookingId = "" } = useParams();
  const queryClient = useQueryClient();
  const query = useQuery(bookingQueryOptions(bookingId));
  const booking = query.data;
  const event = useQuery({ ...eventQueryOptions(booking?.event_id ?? "", queryClient), enabled: Boolean(booking) }).data;
  useWatchBooking(bookingId, !booking || isSettling(booking.status));
  const recheck = useRecheckBooking(bookingId);

  if (query.isPending) return <p role="status">Loading booking…</p>;
  if (query.isError || !booking) return <ErrorMessage error={query.error} retry={() => void query.refetch()} />;
  const ticketType = event?.ticket_types.find((t) => t.id === booking.ticket_type_id);
  return (
    <section data-testid="booking" data-status={booking.status}>
      <PageHeading title="Booking">{event ? event.name : "Booking"}</PageHeading>
      <p>
        {booking.quantity} × {ticketType?.name ?? "ticket"} · {formatMoney(booking.total_cents, booking.currency)} ·
        booked <time dateTime={booking.created_at}>{formatDateTime(booking.created_at)}</time>
      </p>
      <p>
        Status:{" "}
        <span className={`badge status-${booking.status}`} role="status" data-testid="booking-state">
          {STATUS_LABEL[booking.status]}
        </span>
      </p>
      {booking.status === "pending" && <p className="muted">Allocating your tickets…</p>}
      {booking.status === "reserved" && (
        <>
          <ReservationCountdown expiresAt={booking.expires_at} onElapsed={recheck} />
          <PayPanel booking={booking} />
        </>
      )}
      {booking.status === "paid" && (
        <>
          <h2>Your tickets</h2>
          <TicketList bookingId={booking.id} />
        </>
      )}
      {booking.status === "expired" && (
        <p className="notice notice-warn">The time to pay ran out; the tickets went back on sale.</p>
      )}
      {booking.status === "refunded" && <p className="notice">Refunded. The tickets are no longer valid.</p>}
      {booking.status === "rejected" && (
        <p className="notice notice-error">{problemMessage(booking.reason, ticketType)}</p>
      )}
      <p>
        <Link to="/bookings">All my bookings</Link>
      </p>
    </section>
  );
}
