import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useParams, useSearchParams } from "react-router";
import { PageHeading } from "../../../components/PageHeading";
import type { TestPaymentOutcome } from "../../../lib/api-types";
import { payWithTestCard, TEST_CARDS } from "../api";
import { checkoutErrorMessage } from "../messages";
import { FollowBooking } from "./FollowBooking";

const OUTCOME: Record<TestPaymentOutcome, { text: string; tone: string }> = {
  succeeded: { text: "Payment accepted. Your tickets are being issued.", tone: "notice-success" },
  failed: { text: "Card declined. Try another card.", tone: "notice-error" },
  pending: {
    text: "The payment has not been answered yet. If it never is, the reservation expires at its deadline.",
    tone: "notice-warn",
  },
};

/** The built-in test provider's payment page: no money moves. */
export function TestPaymentPage() {
  const { paymentId = "" } = useParams();
  const [search] = useSearchParams();
  const bookingId = search.get("booking");
  const [card, setCard] = useState("");
  const hintsId = useId();
  const pay = useMutation({ mutationFn: (number: string) => payWithTestCard(paymentId, number) });
  const outcome = pay.data ? OUTCOME[pay.data.outcome] : null;
  const settled = pay.data?.outcome === "succeeded" || pay.data?.outcome === "pending";

  return (
    <section>
      <PageHeading title="Test payment">Test payment</PageHeading>
      <p className="muted">The built-in test provider: nothing is charged.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          pay.mutate(card.replace(/\s+/g, ""));
        }}
      >
        <label htmlFor="card-number">Card number</label>
        <input
          id="card-number"
          name="card-number"
          inputMode="numeric"
          autoComplete="off"
          value={card}
          onChange={(e) => setCard(e.target.value)}
          aria-describedby={hintsId}
          required
          disabled={settled}
        />
        <div id={hintsId} className="hint">
          Test cards:
          <ul>
            {TEST_CARDS.map((c) => (
              <li key={c.number}>
                <code>{c.number}</code> {c.effect}
              </li>
            ))}
          </ul>
        </div>
        <button type="submit" className="button" disabled={pay.isPending || settled}>
          {pay.isPending ? "Paying…" : "Pay"}
        </button>
      </form>
      <div aria-live="polite" aria-atomic="true">
        {outcome && (
          <p className={`notice ${outcome.tone}`} data-testid="payment-outcome" data-outcome={pay.data?.outcome}>
            {outcome.text}
          </p>
        )}
      </div>
      {pay.isError && (
        <p role="alert" className="notice notice-error">
          {checkoutErrorMessage(pay.error)}
        </p>
      )}
      {bookingId && <FollowBooking bookingId={bookingId} />}
    </section>
  );
}
