import { useEffect, useRef } from "react";
import { describeDuration, formatCountdown } from "../../../lib/format";
import { useServerCountdown } from "../../../lib/use-server-countdown";

const RECHECK_MS = 3000;

/**
 * Time left to pay for a reservation, by the server's clock. At zero it says so and asks
 * `onElapsed` to re-read the booking until the server has expired it (the socket usually
 * says so first); "Expired" is shown only once the server agrees.
 */
export function ReservationCountdown({ expiresAt, onElapsed, label = "Pay within" }: {
  expiresAt: string | null | undefined;
  onElapsed: () => void;
  label?: string;
}) {
  const { done, msLeft } = useServerCountdown(expiresAt);
  const elapsed = useRef(onElapsed);
  useEffect(() => {
    elapsed.current = onElapsed;
  });
  const known = Boolean(expiresAt);

  useEffect(() => {
    if (!done || !known) return;
    elapsed.current();
    const id = setInterval(() => elapsed.current(), RECHECK_MS);
    return () => clearInterval(id);
  }, [done, known]);

  if (!known) return <p className="muted">Reserved for you.</p>;
  if (done) {
    return (
      <p className="notice notice-warn" data-testid="reservation-countdown" data-done="true">
        Time is up — releasing the reservation…
      </p>
    );
  }
  return (
    <p className="countdown" data-testid="reservation-countdown">
      {label}{" "}
      <span role="timer" aria-label={describeDuration(msLeft)} className="countdown-clock">
        {formatCountdown(msLeft)}
      </span>
    </p>
  );
}
