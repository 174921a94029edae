import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import type { Booking, TicketType } from "../../../lib/api-types";
import { formatMoney } from "../../../lib/format";
import { useWatchBooking } from "../../../lib/realtime/react";
import { bookingQueryOptions } from "../api";
import { problemMessage } from "../messages";

export function bookingStatusText(booking: Booking, ticketType?: Pick<TicketType, "per_user_limit" | "name">): string {
  const what = `${booking.quantity} × ${ticketType?.name ?? "ticket"}`;
  switch (booking.status) {
    case "pending":
      return `Booking received (${what}) — waiting for confirmation…`;
    case "reserved":
      return `Reserved! ${what} for ${formatMoney(booking.total_cents, booking.currency)} — pay to keep them.`;
    case "paid":
      return `Booked! ${what} for ${formatMoney(booking.total_cents, booking.currency)}.`;
    case "rejected":
      return `Not booked: ${problemMessage(booking.reason, ticketType)}`;
    case "expired":
      return `Expired: ${what} was not paid in time.`;
    case "refunded":
      return `Refunded: ${what}.`;
    case "cancelled":
      return `Cancelled: ${what}.`;
  }
}

/** The live status of a booking just made: pending, then reserved (paid when free) or rejected. */
export function BookingStatusMessage({ bookingId, ticketType }: { bookingId: string; ticketType: TicketType }) {
  const query = useQuery(bookingQueryOptions(bookingId));
  const booking = query.data;
  useWatchBooking(bookingId, !booking || booking.status === "pending");
  if (!booking) return <p className="notice">Checking your booking…</p>;
  const held = booking.status === "reserved" || booking.status === "paid";
  const tone = held ? "notice-success" : booking.status === "rejected" ? "notice-error" : "";
  return (
    <p className={`notice ${tone}`} data-testid="booking-status" data-status={booking.status}>
      {bookingStatusText(booking, ticketType)}
      {held && (
        <>
          {" "}
          <Link to="/bookings">My bookings</Link>
        </>
      )}
    </p>
  );
}
