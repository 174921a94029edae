import { useEffect, useRef, useState } from "react";
import { useLocation, useParams, useSearchParams } from "react-router";
import type { StripeElements, Stripe } from "@stripe/stripe-js";
import { PageHeading } from "../../../components/PageHeading";
import type { CheckoutStarted } from "../../../lib/api-types";
import { errorMessage } from "../../../lib/problem";
import { FollowBooking } from "./FollowBooking";

/**
 * Stripe's payment step. It needs what the checkout answered (`client_fields`): with a
 * publishable key and a client secret, Stripe's Payment Element is shown here (Stripe.js is
 * loaded on this page only). The server sends the publishable key only when it is configured
 * with one (BOLT_STRIPE_PUBLISHABLE_KEY); without it the browser cannot pay through Stripe.
 */
export default function StripePaymentPage() {
  const { paymentId = "" } = useParams();
  const [search] = useSearchParams();
  const bookingId = search.get("booking");
  const started = useLocation().state as CheckoutStarted | null;

  if (!started || started.payment_id !== paymentId) {
    return (
      <section>
        <PageHeading title="Stripe payment">Stripe payment</PageHeading>
        <p className="notice notice-warn">
          This payment's details are gone (the page was reloaded). Start the payment again from the booking.
        </p>
        {bookingId && <FollowBooking bookingId={bookingId} />}
      </section>
    );
  }
  const publishableKey = started.client_fields.publishable_key;
  const clientSecret = started.client_fields.client_secret;
  return (
    <section>
      <PageHeading title="Stripe payment">Stripe payment</PageHeading>
      <p>Stripe needs these details from the checkout to take the payment:</p>
      <ul aria-label="What Stripe needs" data-testid="client-fields">
        {Object.keys(started.client_fields).map((name) => (
          <li key={name}>
            <code>{name}</code>
          </li>
        ))}
      </ul>
      {publishableKey && clientSecret ? (
        <PaymentElementForm
          publishableKey={publishableKey}
          clientSecret={clientSecret}
          returnUrl={`${window.location.origin}/bookings/${encodeURIComponent(bookingId ?? "")}`}
        />
      ) : (
        <p className="notice notice-warn" role="status">
          Card payments through Stripe are not set up on this server. Start the payment again from the booking with
          another method.
        </p>
      )}
      {bookingId && <FollowBooking bookingId={bookingId} />}
    </section>
  );
}

function PaymentElementForm({ publishableKey, clientSecret, returnUrl }: {
  publishableKey: string;
  clientSecret: string;
  returnUrl: string;
}) {
  const mountRef = useRef<HTMLDivElement>(null);
  const stripeRef = useRef<{ stripe: Stripe; elements: StripeElements } | null>(null);
  const [state, setState] = useState<"loading" | "ready" | "paying" | { error: string }>("loading");

  useEffect(() => {
    let cancelled = false;
    // The "pure" entry adds Stripe's script only when loadStripe is called: on this page.
    void import("@stripe/stripe-js/pure")
      .then(({ loadStripe }) => loadStripe(publishableKey))
      .then((stripe) => {
        if (cancelled || !stripe || !mountRef.current) return;
        const elements = stripe.elements({ clientSecret });
        elements.create("payment").mount(mountRef.current);
        stripeRef.current = { stripe, elements };
        setState("ready");
      })
      .catch((error: unknown) => {
        if (!cancelled) setState({ error: errorMessage(error) });
      });
    return () => {
      cancelled = true;
    };
  }, [publishableKey, clientSecret]);

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const loaded = stripeRef.current;
        if (!loaded) return;
        setState("paying");
        void loaded.stripe
          .confirmPayment({ elements: loaded.elements, confirmParams: { return_url: returnUrl } })
          .then((result) => setState(result.error ? { error: result.error.message ?? "Payment failed." } : "ready"));
      }}
    >
      <div ref={mountRef} data-testid="stripe-payment-element" />
      {state === "loading" && <p role="status">Loading Stripe…</p>}
      {typeof state === "object" && (
        <p role="alert" className="notice notice-error">
          {state.error}
        </p>
      )}
      <button type="submit" className="button" disabled={state === "loading" || state === "paying"}>
        {state === "paying" ? "Paying…" : "Pay"}
      </button>
    </form>
  );
}
