import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorMessage } from "../../../components/ErrorMessage";
import type { Booking } from "../../../lib/api-types";
import { formatDateTime, formatMoney } from "../../../lib/format";
import { errorMessage } from "../../../lib/problem";
import { queryKeys } from "../../../lib/query-keys";
import { downloadFile, eventBookingsQueryOptions, ticketFiles } from "../../checkout/api";
import { CheckinCounter } from "../../checkout/components/CheckinCounter";
import { RefundButton } from "../../checkout/components/RefundButton";
import { ReservationCountdown } from "../../checkout/components/ReservationCountdown";

/** New reservations show up without a reload. */
const RESERVATIONS_REFRESH_MS = 10_000;

/** After the sale: reservations awaiting payment, refunds, attendees and the door's progress. */
export function EventOperations({ eventId }: { eventId: string }) {
  const exportCsv = useMutation({
    mutationFn: () => downloadFile(ticketFiles.attendeesCsv(eventId), `attendees-${eventId}.csv`),
  });
  return (
    <>
      <div className="section-head">
        <h2>Check-in</h2>
        <Link to={`/checkin?event=${encodeURIComponent(eventId)}`}>Open the scanner</Link>
      </div>
      <CheckinCounter eventId={eventId} />
      <button type="button" className="button button-secondary" disabled={exportCsv.isPending} onClick={() => exportCsv.mutate()}>
        {exportCsv.isPending ? "Exporting…" : "Export attendees (CSV)"}
      </button>
      {exportCsv.isError && (
        <p role="alert" className="notice notice-error">
          The export failed: {errorMessage(exportCsv.error)}
        </p>
      )}
      <Reservations eventId={eventId} />
      <PaidBookings eventId={eventId} />
    </>
  );
}

function Reservations({ eventId }: { eventId: string }) {
  const queryClient = useQueryClient();
  const query = useQuery({ ...eventBookingsQueryOptions(eventId, "reserved"), refetchInterval: RESERVATIONS_REFRESH_MS });
  const recheck = () => void queryClient.invalidateQueries({ queryKey: queryKeys.events.bookings(eventId, "reserved") });
  return (
    <>
      <h2>Reservations awaiting payment</h2>
      {query.isPending ? (
        <p role="status">Loading reservations…</p>
      ) : query.isError ? (
        <ErrorMessage error={query.error} retry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <p className="muted">No reservation is waiting for payment.</p>
      ) : (
        <ul className="booking-list" aria-label="Reservations awaiting payment">
          {query.data.items.map((booking) => (
            <li key={booking.id} className="card" data-testid="reservation">
              <p>
                {booking.quantity} tickets · {formatMoney(booking.total_cents, booking.currency)} · booking{" "}
                <code>{booking.id.slice(0, 8)}</code>
              </p>
              <ReservationCountdown expiresAt={booking.expires_at} onElapsed={recheck} label="Expires in" />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function PaidBookings({ eventId }: { eventId: string }) {
  const query = useQuery(eventBookingsQueryOptions(eventId, "paid"));
  return (
    <>
      <h2>Paid bookings</h2>
      {query.isPending ? (
        <p role="status">Loading bookings…</p>
      ) : query.isError ? (
        <ErrorMessage error={query.error} retry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <p className="muted">No paid bookings yet.</p>
      ) : (
        <ul className="booking-list" aria-label="Paid bookings">
          {query.data.items.map((booking) => (
            <PaidBooking key={booking.id} booking={booking} />
          ))}
        </ul>
      )}
    </>
  );
}

function PaidBooking({ booking }: { booking: Booking }) {
  const what = `${booking.quantity} tickets for ${formatMoney(booking.total_cents, booking.currency)}`;
  return (
    <li className="card" data-testid="paid-booking">
      <p>
        {what} · booked <time dateTime={booking.created_at}>{formatDateTime(booking.created_at)}</time> · booking{" "}
        <code>{booking.id.slice(0, 8)}</code>
      </p>
      <RefundButton booking={booking} what={what} effect="The buyer gets the money back and the tickets stop being valid." />
    </li>
  );
}
