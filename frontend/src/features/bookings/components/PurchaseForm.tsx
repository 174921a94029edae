import { useEffect, useId, useState } from "react";
import { useNavigate } from "react-router";
import type { Event, TicketType } from "../../../lib/api-types";
import { formatMoney } from "../../../lib/format";
import { ApiError, NetworkError } from "../../../lib/problem";
import { waitingRoomPath } from "../../waiting-room/paths";
import { purchaseErrorMessage } from "../messages";
import { usePurchase } from "../use-purchase";
import { BookingStatusMessage } from "./BookingStatusMessage";

/** Without a per-person limit, one purchase is still capped at this many tickets. */
const MAX_PER_PURCHASE = 10;

export function PurchaseForm({ event, ticketType, saleOpen, signedIn, admissionPass }: {
  event: Event;
  ticketType: TicketType;
  saleOpen: boolean;
  signedIn: boolean;
  /** For an event with a waiting room: the buyer's pass from the room or a waiting-list offer. */
  admissionPass?: string | null;
}) {
  const id = useId();
  const [wanted, setWanted] = useState(1);
  const purchase = usePurchase(event, ticketType, admissionPass);
  const navigate = useNavigate();
  const needsRoom = purchase.error instanceof ApiError && purchase.error.slug === "waiting-room";
  useEffect(() => {
    // No valid pass (none, or it expired): the buyer's way in is the event's waiting room.
    if (needsRoom) void navigate(waitingRoomPath(event.id));
  }, [needsRoom, navigate, event.id]);
  const max = Math.max(0, Math.min(ticketType.per_user_limit ?? MAX_PER_PURCHASE, MAX_PER_PURCHASE, ticketType.remaining));
  const quantity = Math.min(Math.max(1, wanted), Math.max(1, max));
  const soldOut = ticketType.remaining === 0;
  const disabled = !signedIn || !saleOpen || soldOut || purchase.isPending;

  return (
    <form
      className="purchase"
      onSubmit={(e) => {
        e.preventDefault();
        if (!disabled) purchase.buy(quantity);
      }}
    >
      <div className="purchase-row">
        <label htmlFor={`${id}-qty`}>Quantity</label>
        <select
          id={`${id}-qty`}
          value={quantity}
          onChange={(e) => setWanted(Number(e.target.value))}
          disabled={soldOut || purchase.isPending}
        >
          {Array.from({ length: Math.max(1, max) }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <button
          type="submit"
          className="button"
          disabled={disabled}
          aria-describedby={`${id}-status`}
          // The second click of a double click is the same gesture: when the answer came back
          // between its two clicks, it would otherwise start a second purchase with a new key.
          onClick={(e) => {
            if (e.detail > 1) e.preventDefault();
          }}
        >
          {purchase.isPending ? "Booking…" : soldOut ? "Sold out" : "Buy now"}
        </button>
        {!soldOut && (
          <span className="muted total">Total {formatMoney(ticketType.price_cents * quantity, ticketType.currency)}</span>
        )}
      </div>
      <div id={`${id}-status`} aria-live="polite" className="purchase-status" data-testid="purchase-status">
        <PurchaseFeedback purchase={purchase} ticketType={ticketType} />
      </div>
    </form>
  );
}

function PurchaseFeedback({ purchase, ticketType }: {
  purchase: ReturnType<typeof usePurchase>;
  ticketType: TicketType;
}) {
  if (purchase.isPending) {
    const reason = purchase.retryingAfter;
    if (purchase.isPaused) return <p className="notice notice-warn">You're offline — the purchase will be sent when you're back online.</p>;
    if (reason instanceof ApiError) {
      const wait = reason.retryAfter !== null ? ` in ${Math.max(1, Math.round(reason.retryAfter))} s` : "";
      return <p className="notice notice-warn" data-problem={reason.slug}>Busy — retrying{wait}…</p>;
    }
    if (reason instanceof NetworkError) return <p className="notice notice-warn">Connection problem — retrying…</p>;
    return <p className="notice">Sending your booking…</p>;
  }
  if (purchase.error) {
    const slug = purchase.error instanceof ApiError ? purchase.error.slug : "network";
    return (
      <p className="notice notice-error" role="alert" data-problem={slug}>
        {purchaseErrorMessage(purchase.error, ticketType)}
      </p>
    );
  }
  if (purchase.bookingId) return <BookingStatusMessage bookingId={purchase.bookingId} ticketType={ticketType} />;
  return null;
}
