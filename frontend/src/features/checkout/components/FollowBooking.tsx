import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { useWatchBooking } from "../../../lib/realtime/react";
import { bookingQueryOptions, useRecheckBooking } from "../../bookings/api";
import { isSettling, STATUS_LABEL } from "../../bookings/status";
import { ReservationCountdown } from "./ReservationCountdown";

/** The booking a payment is for, followed live until it is paid (or expires). */
export function FollowBooking({ bookingId }: { bookingId: string }) {
  const query = useQuery(bookingQueryOptions(bookingId));
  const booking = query.data;
  useWatchBooking(bookingId, !booking || isSettling(booking.status));
  const recheck = useRecheckBooking(bookingId);
  if (!booking) return null;
  return (
    <div className="follow-booking" data-testid="followed-booking" data-status={booking.status}>
      <p role="status">
        Booking: <strong>{STATUS_LABEL[booking.status]}</strong>
        {booking.status === "paid" && " — your tickets are ready."}
        {booking.status === "expired" && " — the time to pay ran out."}
      </p>
      {booking.status === "reserved" && <ReservationCountdown expiresAt={booking.expires_at} onElapsed={recheck} />}
      <p>
        <Link to={`/bookings/${encodeURIComponent(bookingId)}`}>
          {booking.status === "paid" ? "Show my tickets" : "Back to the booking"}
        </Link>
      </p>
    </div>
  );
}
