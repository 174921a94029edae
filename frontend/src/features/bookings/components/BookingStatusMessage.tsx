import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import type { Booking, TicketType } from "../../../lib/api-types";
import { formatMoney } from "../../../lib/format";
import { useWatchBooking } from "../../../lib/realtime/react";
import { ReservationCountdown } from "../../checkout/components/ReservationCountdown";
import { bookingQueryOptions, useRecheckBooking } from "../api";
import { problemMessage } from "../messages";
import { isSettling } from "../status";

export function bookingStatusText(booking: Booking, ticketType?: Pick<TicketType, "per_user_limit" | "name">): string {
  const what = `${booking.quantity} × ${ticketType?.name ?? "ticket"}`;
  switch (booking.status) {
    case "pending":
      return `Booking received (${what}) — waiting for confirmation…`;
    case "reserved":
      return `Reserved! ${what} held for you — pay ${formatMoney(booking.total_cents, booking.currency)} before the time runs out.`;
    case "paid":
      return `Booked! ${what} — your tickets are ready.`;
    case "expired":
      return `The time to pay ran out: ${what} went back on sale.`;
    case "refunded":
      return `Refunded: ${what}.`;
    case "rejected":
      return `Not booked: ${problemMessage(booking.reason, ticketType)}`;
    case "cancelled":
      return `Cancelled: ${what}.`;
  }
}

/** The live status of a booking just made: pending, then reserved (paid when free) or rejected. */
export function BookingStatusMessage({ bookingId, ticketType }: { bookingId: string; ticketType: TicketType }) {
  const query = useQuery(bookingQueryOptions(bookingId));
  const booking = query.data;
  useWatchBooking(bookingId, !booking || isSettling(booking.status));
  const recheck = useRecheckBooking(bookingId);
  if (!booking) return <p className="notice">Checking your booking…</p>;
  const tone = ["reserved", "paid"].includes(booking.status)
    ? "notice-success"
    : booking.status === "rejected"
      ? "notice-error"
      : booking.status === "expired"
        ? "notice-warn"
        : "";
  const detail = `/bookings/${encodeURIComponent(booking.id)}`;
  return (
    <p className={`notice ${tone}`} data-testid="booking-status" data-status={booking.status}>
      {bookingStatusText(booking, ticketType)}
      {booking.status === "reserved" && (
        <>
          {" "}
          <Link to={detail}>Pay now</Link>
          <ReservationCountdown expiresAt={booking.expires_at} onElapsed={recheck} />
        </>
      )}
      {booking.status === "paid" && (
        <>
          {" "}
          <Link to={detail}>Show my tickets</Link>
        </>
      )}
    </p>
  );
}
