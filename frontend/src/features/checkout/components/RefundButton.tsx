import { useEffect, useRef, useState } from "react";
import type { Booking } from "../../../lib/api-types";
import { errorMessage } from "../../../lib/problem";
import { useRefundBooking } from "../api";

/** Refund a paid booking, after a confirmation naming what is refunded and its effect. */
export function RefundButton({ booking, what, effect }: { booking: Booking; what: string; effect: string }) {
  const refund = useRefundBooking();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  const dialogId = `refund-${booking.id}`;
  return (
    <>
      {confirming ? (
        <div role="alertdialog" aria-modal="false" aria-labelledby={`${dialogId}-title`} className="notice notice-warn">
          <p id={`${dialogId}-title`}>
            Refund {what}? {effect}
          </p>
          <button
            ref={confirmRef}
            type="button"
            className="button"
            disabled={refund.isPending}
            onClick={() => refund.mutate(booking.id, { onSuccess: () => setConfirming(false) })}
          >
            {refund.isPending ? "Refunding…" : "Yes, refund"}
          </button>{" "}
          <button type="button" className="button button-secondary" onClick={() => setConfirming(false)}>
            Keep the booking
          </button>
        </div>
      ) : (
        <button
          type="button"
          className="button button-secondary"
          aria-label={`Refund ${what}`}
          onClick={() => setConfirming(true)}
        >
          Refund
        </button>
      )}
      {refund.isError && (
        <p role="alert" className="notice notice-error">
          The refund failed: {errorMessage(refund.error)}
        </p>
      )}
    </>
  );
}
