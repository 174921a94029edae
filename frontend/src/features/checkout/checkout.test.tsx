import { act, screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Booking } from "../../lib/api-types";
import { observeServerDate, resetServerClock } from "../../lib/server-clock";
import { aTicket, QR_SVG, ticketHandlers } from "../../testing/checkout-handlers";
import { aBooking, anEvent, aUser, problem } from "../../testing/fixtures";
import { server } from "../../testing/server";
import { renderApp } from "../../testing/test-utils";

const loadStripe = vi.hoisted(() => vi.fn());
vi.mock("@stripe/stripe-js/pure", () => ({ loadStripe }));

const { createObjectURL, revokeObjectURL } = URL;
afterEach(() => {
  Object.assign(URL, { createObjectURL, revokeObjectURL });
  resetServerClock();
  loadStripe.mockReset();
  vi.restoreAllMocks();
});

const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** A signed-in buyer with one booking, served by GET /api/bookings/{id}; returns the GET count. */
function serveBooking(overrides: Partial<Booking>, refundsUntil: string | null = null) {
  server.use(http.get("*/api/auth/me", () => HttpResponse.json(aUser())));
  const event = anEvent({ name: "Bolt Live", refunds_until: refundsUntil }, [{ name: "Standing", price_cents: 3000 }]);
  let booking = aBooking(event, overrides);
  const reads = { count: 0 };
  server.use(
    http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)),
    http.get(`*/api/bookings/${booking.id}`, () => {
      reads.count += 1;
      return HttpResponse.json(booking);
    }),
  );
  return {
    event,
    booking,
    reads,
    becomes(patch: Partial<Booking>) {
      booking = { ...booking, ...patch };
    },
  };
}

describe("a reserved booking", () => {
  it("counts down to its deadline", async () => {
    const { booking } = serveBooking({ status: "reserved", expires_at: inMinutes(10) });
    renderApp(`/bookings/${booking.id}`);
    const timer = await screen.findByRole("timer");
    expect(timer.textContent).toMatch(/^(10:00|09:[0-5]\d)$/);
    expect(timer).toHaveAccessibleName(/^(10 minutes|9 minutes \d+ seconds?)$/);
    expect(screen.getByTestId("booking-state")).toHaveTextContent("Reserved");
  });

  it("goes by the server's clock: a deadline past on the server is up, then expired once the server says so", async () => {
    // The server's clock is an hour ahead of this machine's: the deadline in 30 minutes of
    // local time is already behind it.
    observeServerDate(new Date(Date.now() + 3_600_000).toUTCString());
    const served = serveBooking({ status: "reserved", expires_at: inMinutes(30) });
    const { socket } = renderApp(`/bookings/${served.booking.id}`);
    act(() => socket().open());
    expect(await screen.findByText("Time is up — releasing the reservation…")).toBeInTheDocument();
    expect(screen.queryByRole("timer")).not.toBeInTheDocument();
    expect(screen.getByTestId("booking-state")).toHaveTextContent("Reserved"); // not before the server says so
    // It re-reads the booking until the server has expired it.
    await waitFor(() => expect(served.reads.count).toBeGreaterThanOrEqual(2));
    await waitFor(() => expect(socket().messages).toContainEqual({ type: "watch", booking_id: served.booking.id }));
    act(() => socket().receive({ type: "booking", booking_id: served.booking.id, status: "expired", reason: null }));
    await waitFor(() => expect(screen.getByTestId("booking-state")).toHaveTextContent("Expired"));
    expect(screen.getByText("The time to pay ran out; the tickets went back on sale.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Pay/ })).not.toBeInTheDocument();
  });

  it("is paid with the test provider, and the page follows the booking to paid live", async () => {
    const served = serveBooking({ status: "reserved", expires_at: inMinutes(10), quantity: 2 });
    const id = served.booking.id;
    const sent: unknown[] = [];
    server.use(
      http.post(`*/api/bookings/${id}/checkout`, async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json({ payment_id: "pay_1", redirect_url: "/pay/test/pay_1", client_fields: {} });
      }),
      http.post("*/api/payments/test/pay_1", async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json({ payment_id: "pay_1", outcome: "succeeded" });
      }),
    );
    const { user, socket } = renderApp(`/bookings/${id}`);
    act(() => socket().open());
    await user.click(await screen.findByRole("button", { name: "Pay €60.00" }));

    expect(await screen.findByRole("heading", { level: 1, name: "Test payment" })).toBeInTheDocument();
    const card = screen.getByLabelText("Card number");
    expect(card).toHaveAccessibleDescription(/4242424242424242 pays.*4000000000000002 is declined.*4000000000009995 never answers/);
    await user.type(card, "4242 4242 4242 4242");
    await user.click(screen.getByRole("button", { name: "Pay" }));

    expect(await screen.findByTestId("payment-outcome")).toHaveTextContent("Payment accepted.");
    expect(sent).toEqual([{ provider: "test" }, { card_number: "4242424242424242" }]);
    await waitFor(() => expect(socket().messages).toContainEqual({ type: "watch", booking_id: id }));
    act(() => socket().receive({ type: "booking", booking_id: id, status: "paid", reason: null }));
    await waitFor(() => expect(screen.getByTestId("followed-booking")).toHaveAttribute("data-status", "paid"));
    expect(screen.getByTestId("followed-booking")).toHaveTextContent("Paid — your tickets are ready.");
    expect(screen.getByRole("link", { name: "Show my tickets" })).toHaveAttribute("href", `/bookings/${id}`);
  });

  it.each([
    ["4000000000000002", "failed", "Card declined. Try another card."],
    ["4000000000009995", "pending", "The payment has not been answered yet."],
  ])("shows the test provider's answer to %s", async (number, outcome, text) => {
    serveBooking({ status: "reserved", expires_at: inMinutes(10) });
    server.use(http.post("*/api/payments/test/pay_2", () => HttpResponse.json({ payment_id: "pay_2", outcome })));
    const { user } = renderApp("/pay/test/pay_2");
    await user.type(await screen.findByLabelText("Card number"), number);
    await user.click(screen.getByRole("button", { name: "Pay" }));
    const shown = await screen.findByTestId("payment-outcome");
    expect(shown).toHaveTextContent(text);
    expect(shown.parentElement).toHaveAttribute("aria-live", "polite");
  });

  it("explains a checkout refused because the booking is no longer reserved", async () => {
    const { booking } = serveBooking({ status: "reserved", expires_at: inMinutes(10) });
    server.use(
      http.post(`*/api/bookings/${booking.id}/checkout`, () =>
        HttpResponse.json(problem("booking-not-reserved", 409), { status: 409 }),
      ),
    );
    const { user } = renderApp(`/bookings/${booking.id}`);
    await user.click(await screen.findByRole("button", { name: /^Pay / }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This booking is no longer waiting for payment.");
  });
});

describe("paying with Stripe", () => {
  async function checkoutWith(clientFields: Record<string, string>) {
    const { booking } = serveBooking({ status: "reserved", expires_at: inMinutes(10) });
    server.use(
      http.post(`*/api/bookings/${booking.id}/checkout`, () =>
        HttpResponse.json({ payment_id: "pi_1", redirect_url: "/pay/stripe/pi_1", client_fields: clientFields }),
      ),
    );
    const { user } = renderApp(`/bookings/${booking.id}`);
    await user.click(await screen.findByLabelText("Card via Stripe"));
    await user.click(screen.getByRole("button", { name: /^Pay / }));
    expect(await screen.findByRole("heading", { level: 1, name: "Stripe payment" })).toBeInTheDocument();
  }

  it("states what Stripe needs and, without a publishable key, says Stripe is not set up and does not load Stripe.js", async () => {
    await checkoutWith({ client_secret: "pi_1_secret_2" });
    expect(within(screen.getByRole("list", { name: "What Stripe needs" })).getByText("client_secret")).toBeInTheDocument();
    expect(screen.getByText(/Card payments through Stripe are not set up on this server/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Pay" })).not.toBeInTheDocument();
    expect(loadStripe).not.toHaveBeenCalled();
  });

  it("loads Stripe.js on its page only, with the publishable key, and mounts the payment form", async () => {
    const mount = vi.fn();
    const elements = vi.fn(() => ({ create: () => ({ mount }) }));
    loadStripe.mockResolvedValue({ elements, confirmPayment: vi.fn() });
    await checkoutWith({ publishable_key: "pk_test_1", client_secret: "pi_1_secret_2" });
    await waitFor(() => expect(mount).toHaveBeenCalledWith(screen.getByTestId("stripe-payment-element")));
    expect(loadStripe).toHaveBeenCalledWith("pk_test_1");
    expect(elements).toHaveBeenCalledWith({ clientSecret: "pi_1_secret_2" });
    expect(screen.getByRole("button", { name: "Pay" })).toBeEnabled();
  });
});

describe("e-tickets", () => {
  it("shows each ticket of a paid booking with its QR code, fetched with the session", async () => {
    const { booking } = serveBooking({ status: "paid" });
    const tickets = [aTicket(booking, { code: "AAA-111" }), aTicket(booking, { code: "BBB-222", checked_in_at: "2030-06-01T18:30:00Z" })];
    server.use(...ticketHandlers(booking, tickets));
    renderApp(`/bookings/${booking.id}`);
    const qr = await screen.findByRole("img", { name: "QR code of ticket AAA-111" });
    expect(qr.getAttribute("src")).toBe(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(QR_SVG)}`);
    expect(await screen.findByRole("img", { name: "QR code of ticket BBB-222" })).toBeInTheDocument();
    const cards = screen.getAllByTestId("ticket");
    expect(cards).toHaveLength(2);
    expect(cards[1]).toHaveTextContent("Checked in");
    expect(cards[0]).not.toHaveTextContent("Checked in");
  });

  it("downloads a ticket as PNG and PDF through a blob URL", async () => {
    const { booking } = serveBooking({ status: "paid" });
    server.use(...ticketHandlers(booking, [aTicket(booking, { code: "AAA-111" })]));
    const blobs: Blob[] = [];
    URL.createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return `blob:ticket-${blobs.length}`;
    });
    URL.revokeObjectURL = vi.fn();
    const clicked: Array<{ href: string; download: string }> = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({ href: this.getAttribute("href") ?? "", download: this.download });
    });
    const { user } = renderApp(`/bookings/${booking.id}`);
    await user.click(await screen.findByRole("button", { name: "Download PNG of ticket AAA-111" }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    await waitFor(() => expect(screen.getByRole("button", { name: "Download PDF of ticket AAA-111" })).toBeEnabled());
    await user.click(screen.getByRole("button", { name: "Download PDF of ticket AAA-111" }));
    await waitFor(() => expect(clicked).toHaveLength(2));
    expect(clicked).toEqual([
      { href: "blob:ticket-1", download: "ticket-AAA-111.png" },
      { href: "blob:ticket-2", download: "ticket-AAA-111.pdf" },
    ]);
    expect(blobs.map((b) => b.type)).toEqual(["image/png", "application/pdf"]);
    await waitFor(() => expect(URL.revokeObjectURL).toHaveBeenCalledWith("blob:ticket-2"));
  });
});

describe("the buyer's refund", () => {
  it("is offered on a paid booking until the organiser's deadline, and refunds after a confirmation", async () => {
    const served = serveBooking({ status: "paid" }, inMinutes(60));
    server.use(...ticketHandlers(served.booking, [aTicket(served.booking, { code: "AAA-111" })]));
    const refunds: string[] = [];
    server.use(
      http.post(`*/api/bookings/${served.booking.id}/refund`, () => {
        refunds.push(served.booking.id);
        served.becomes({ status: "refunded" });
        return HttpResponse.json({ ...served.booking, status: "refunded" });
      }),
    );
    const { user } = renderApp(`/bookings/${served.booking.id}`);
    await user.click(await screen.findByRole("button", { name: /^Refund 2 × Standing/ }));
    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("You get the money back and these tickets stop being valid.");
    await user.click(within(dialog).getByRole("button", { name: "Yes, refund" }));
    await waitFor(() => expect(screen.getByTestId("booking")).toHaveAttribute("data-status", "refunded"));
    expect(refunds).toEqual([served.booking.id]);
  });

  it("is not offered without a refund deadline, nor after it", async () => {
    for (const deadline of [null, inMinutes(-1)]) {
      const { booking } = serveBooking({ status: "paid" }, deadline);
      server.use(...ticketHandlers(booking, [aTicket(booking, { code: `T-${String(deadline)}` })]));
      const { unmount } = renderApp(`/bookings/${booking.id}`);
      expect(await screen.findByRole("img", { name: `QR code of ticket T-${String(deadline)}` })).toBeInTheDocument();
      expect(screen.queryByRole("button", { name: /^Refund/ })).not.toBeInTheDocument();
      unmount();
    }
  });
});
