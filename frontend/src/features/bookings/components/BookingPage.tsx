import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { ErrorMessage } from "../../../components/ErrorMessage";
import { PageHeading } from "../../../components/PageHeading";
import type { Booking } from "../../../lib/api-types";
import { formatDateTime, formatMoney } from "../../../lib/format";
import { useServerCountdown } from "../../../lib/use-server-countdown";
import { useWatchBooking } from "../../../lib/realtime/react";
import { PayPanel } from "../../checkout/components/PayPanel";
import { RefundButton } from "../../checkout/components/RefundButton";
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
          <BuyerRefund booking={booking} refundsUntil={event?.refunds_until ?? null} ticketName={ticketType?.name} />
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

/** The buyer's own refund, offered until the organiser's `refunds_until` (by the server's clock). */
function BuyerRefund({
  booking,
  refundsUntil,
  ticketName,
}: {
  booking: Booking;
  refundsUntil: string | null;
  ticketName: string | undefined;
}) {
  const { done } = useServerCountdown(refundsUntil, 1_000);
  if (!refundsUntil || done) return null;
  return (
    <>
      <p>
        You can get your money back until <time dateTime={refundsUntil}>{formatDateTime(refundsUntil)}</time>.
      </p>
      <RefundButton
        booking={booking}
        what={`${booking.quantity} × ${ticketName ?? "ticket"}`}
        effect="You get the money back and these tickets stop being valid."
      />
    </>
  );
}
