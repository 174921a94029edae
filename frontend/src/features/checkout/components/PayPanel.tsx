import { useMutation } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useNavigate } from "react-router";
import type { Booking, PaymentProvider } from "../../../lib/api-types";
import { formatMoney } from "../../../lib/format";
import { startCheckout } from "../api";
import { checkoutErrorMessage } from "../messages";

const PROVIDERS: Array<{ value: PaymentProvider; label: string }> = [
  { value: "test", label: "Test card (no money moves)" },
  { value: "stripe", label: "Card via Stripe" },
];

/** "Pay" on a reserved booking: starts a checkout and goes to the provider's page. */
export function PayPanel({ booking }: { booking: Booking }) {
  const [provider, setProvider] = useState<PaymentProvider>("test");
  const navigate = useNavigate();
  const errorId = useId();
  const checkout = useMutation({
    mutationFn: () => startCheckout(booking.id, provider),
    onSuccess: (started) => {
      const target = `/pay/${provider}/${encodeURIComponent(started.payment_id)}?booking=${encodeURIComponent(booking.id)}`;
      // The Stripe page needs client_fields, which only this answer carries.
      void navigate(target, { state: started });
    },
  });
  return (
    <form
      className="pay-panel"
      onSubmit={(e) => {
        e.preventDefault();
        checkout.mutate();
      }}
    >
      <fieldset>
        <legend>Pay with</legend>
        {PROVIDERS.map((p) => (
          <label key={p.value} className="radio">
            <input
              type="radio"
              name={`provider-${booking.id}`}
              value={p.value}
              checked={provider === p.value}
              onChange={() => setProvider(p.value)}
            />{" "}
            {p.label}
          </label>
        ))}
      </fieldset>
      <button
        type="submit"
        className="button"
        disabled={checkout.isPending}
        aria-describedby={checkout.isError ? errorId : undefined}
      >
        {checkout.isPending ? "Starting payment…" : `Pay ${formatMoney(booking.total_cents, booking.currency)}`}
      </button>
      {checkout.isError && (
        <p id={errorId} role="alert" className="notice notice-error">
          {checkoutErrorMessage(checkout.error)}
        </p>
      )}
    </form>
  );
}
