import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import type { Event } from "../../../lib/api-types";
import { anEvent, aUser, problem } from "../../../testing/fixtures";
import { server } from "../../../testing/server";
import { renderApp } from "../../../testing/test-utils";

function serve(event: Event, { signedIn = true } = {}) {
  server.use(
    http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)),
    ...(signedIn ? [http.get("*/api/auth/me", () => HttpResponse.json(aUser()))] : []),
  );
}

interface Seen {
  key: string | null;
  body: unknown;
}

/** Records POST /api/bookings and answers with the given responses in turn. */
function bookingEndpoint(...answers: Array<() => Response | Promise<Response>>) {
  const seen: Seen[] = [];
  server.use(
    http.post("*/api/bookings", async ({ request }) => {
      seen.push({ key: request.headers.get("Idempotency-Key"), body: await request.json() });
      const answer = answers[Math.min(seen.length - 1, answers.length - 1)]!;
      return answer();
    }),
  );
  return seen;
}

const accepted = (bookingId = "11111111-1111-4111-8111-111111111111") => () =>
  HttpResponse.json({ booking_id: bookingId, status: "pending" }, { status: 202, headers: { Location: `/api/bookings/${bookingId}` } });

describe("EventPage", () => {
  it("shows ticket types with formatted prices, remaining and a bounded quantity picker", async () => {
    const event = anEvent({ name: "Bolt Live" }, [
      { name: "Standing", price_cents: 4550, currency: "EUR", per_user_limit: 4, remaining: 100 },
      { name: "VIP", price_cents: 12000, currency: "USD", per_user_limit: null, remaining: 2 },
    ]);
    serve(event);
    renderApp(`/events/${event.id}`);
    expect(await screen.findByRole("heading", { level: 1, name: "Bolt Live" })).toBeInTheDocument();
    expect(screen.getByText("€45.50")).toBeInTheDocument();
    expect(screen.getByText("$120.00")).toBeInTheDocument();
    const [standingQty, vipQty] = screen.getAllByLabelText("Quantity");
    expect(standingQty!.querySelectorAll("option")).toHaveLength(4); // per-person limit
    expect(vipQty!.querySelectorAll("option")).toHaveLength(2); // remaining
  });

  it("books with an Idempotency-Key and shows pending, then reserved from the socket", async () => {
    const event = anEvent({}, [{ name: "Standing", remaining: 10 }]);
    const [tt] = event.ticket_types;
    serve(event);
    const seen = bookingEndpoint(accepted("22222222-2222-4222-8222-222222222222"));
    const { user, socket } = renderApp(`/events/${event.id}`);
    act(() => socket().open());

    await user.selectOptions(await screen.findByLabelText("Quantity"), "2");
    await user.click(screen.getByRole("button", { name: "Buy now" }));

    const status = await screen.findByTestId("booking-status");
    expect(status).toHaveAttribute("data-status", "pending");
    expect(status).toHaveTextContent("Booking received (2 × Standing) — waiting for confirmation…");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toEqual({ ticket_type_id: tt!.id, quantity: 2 });
    expect(seen[0]!.key).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(() =>
      expect(socket().messages).toContainEqual({ type: "watch", booking_id: "22222222-2222-4222-8222-222222222222" }),
    );

    const expiresAt = new Date(Date.now() + 10 * 60_000).toISOString();
    act(() =>
      socket().receive({
        type: "booking",
        booking_id: "22222222-2222-4222-8222-222222222222",
        status: "reserved",
        reason: null,
        expires_at: expiresAt,
      }),
    );
    await waitFor(() => expect(screen.getByTestId("booking-status")).toHaveAttribute("data-status", "reserved"));
    expect(screen.getByTestId("booking-status")).toHaveTextContent(
      "Reserved! 2 × Standing held for you — pay €90.00 before the time runs out.",
    );
    expect(within(screen.getByTestId("booking-status")).getByRole("timer")).toBeInTheDocument();
    expect(screen.getByTestId("purchase-status")).toHaveAttribute("aria-live", "polite");
  });

  it("shows a rejection with its reason", async () => {
    const event = anEvent({}, [{ remaining: 1 }]);
    serve(event);
    bookingEndpoint(accepted("33333333-3333-4333-8333-333333333333"));
    const { user, socket } = renderApp(`/events/${event.id}`);
    act(() => socket().open());
    await user.click(await screen.findByRole("button", { name: "Buy now" }));
    await screen.findByTestId("booking-status");
    act(() =>
      socket().receive({ type: "booking", booking_id: "33333333-3333-4333-8333-333333333333", status: "rejected", reason: "sold-out" }),
    );
    await waitFor(() => expect(screen.getByTestId("booking-status")).toHaveTextContent("Not booked: Sold out"));
  });

  it("ignores clicks while a booking is in flight", async () => {
    const event = anEvent({}, [{ remaining: 10 }]);
    serve(event);
    // Held until the clicks are done: the request is in flight however slowly they run.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const seen = bookingEndpoint(async () => {
      await released;
      return accepted()();
    });
    const { user } = renderApp(`/events/${event.id}`);
    const button = await screen.findByRole("button", { name: "Buy now" });
    await user.dblClick(button);
    await user.click(button);
    await waitFor(() => expect(seen).toHaveLength(1));
    release();
    await screen.findByTestId("booking-status");
    expect(seen).toHaveLength(1);
  });

  it("books once on a double click answered between its two clicks", async () => {
    const event = anEvent({}, [{ remaining: 10 }]);
    serve(event);
    const seen = bookingEndpoint(accepted());
    const { user } = renderApp(`/events/${event.id}`);
    const button = await screen.findByRole("button", { name: "Buy now" });
    await user.click(button);
    await screen.findByTestId("booking-status");
    await waitFor(() => expect(button).toBeEnabled());
    // The second click of the same gesture (detail 2) must not submit the form again.
    expect(fireEvent.click(button, { detail: 2 })).toBe(false);
    await user.click(button);
    await waitFor(() => expect(seen).toHaveLength(2));
    await waitFor(() => expect(button).toBeEnabled());
    expect(seen[1]!.key).not.toBe(seen[0]!.key);
  });

  it("retries after a 503 with the same Idempotency-Key, honouring Retry-After", async () => {
    const event = anEvent({}, [{ remaining: 10 }]);
    serve(event);
    let release!: () => void;
    const retried = new Promise<void>((resolve) => (release = resolve));
    const seen = bookingEndpoint(
      () =>
        HttpResponse.json(problem("queue-unavailable", 503, "Queue unavailable"), {
          status: 503,
          headers: { "Retry-After": "0" },
        }),
      async () => {
        // Held until the test has seen the retrying state, however slowly it renders.
        await retried;
        return accepted()();
      },
    );
    const { user } = renderApp(`/events/${event.id}`);
    await user.click(await screen.findByRole("button", { name: "Buy now" }));
    expect(await screen.findByText(/Busy — retrying/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Booking…" })).toBeDisabled();
    release();
    expect(await screen.findByTestId("booking-status")).toHaveAttribute("data-status", "pending");
    expect(seen).toHaveLength(2);
    expect(seen[1]!.key).toBe(seen[0]!.key);
  });

  it("retries after a network error with the same key", async () => {
    const event = anEvent({}, [{ remaining: 10 }]);
    serve(event);
    const seen = bookingEndpoint(() => HttpResponse.error(), accepted());
    const { user } = renderApp(`/events/${event.id}`);
    await user.click(await screen.findByRole("button", { name: "Buy now" }));
    expect(await screen.findByTestId("booking-status")).toBeInTheDocument();
    expect(seen).toHaveLength(2);
    expect(seen[1]!.key).toBe(seen[0]!.key);
  });

  it.each([
    ["sold-out", 409, /Sold out — there are no tickets of this type left/],
    ["per-user-limit", 409, /Limit reached — you can buy at most 4/],
    ["sale-not-open", 409, /The sale hasn't opened yet/],
    ["rate-limited", 429, /Too many attempts — wait a moment/],
  ])("explains a %s answer inline", async (slug, status, message) => {
    const event = anEvent({}, [{ remaining: 10, per_user_limit: 4 }]);
    serve(event);
    bookingEndpoint(() => HttpResponse.json(problem(slug, status), { status }));
    const { user } = renderApp(`/events/${event.id}`);
    await user.click(await screen.findByRole("button", { name: "Buy now" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(message);
    expect(alert).toHaveAttribute("data-problem", slug);
  });

  it("uses a new key for a new purchase after a definitive answer", async () => {
    const event = anEvent({}, [{ remaining: 10 }]);
    serve(event);
    const seen = bookingEndpoint(() => HttpResponse.json(problem("per-user-limit", 409), { status: 409 }), accepted());
    const { user } = renderApp(`/events/${event.id}`);
    await user.click(await screen.findByRole("button", { name: "Buy now" }));
    await screen.findByRole("alert");
    await user.click(screen.getByRole("button", { name: "Buy now" }));
    await screen.findByTestId("booking-status");
    expect(seen[1]!.key).not.toBe(seen[0]!.key);
  });

  it("counts down to the sale start and then enables Buy now by itself", async () => {
    // Far enough ahead that a slow render cannot reach it: the test moves the clock there.
    const saleStartsAt = Date.now() + 10 * 60_000;
    const event = anEvent({ sale_starts_at: new Date(saleStartsAt).toISOString() }, [{ remaining: 10 }]);
    serve(event);
    renderApp(`/events/${event.id}`);
    const button = await screen.findByRole("button", { name: "Buy now" });
    expect(button).toBeDisabled();
    expect(screen.getByTestId("sale-countdown")).toHaveTextContent(/Sale opens in (10:00|09:[0-5]\d)/);
    onTestFinished(() => {
      vi.useRealTimers();
    });
    vi.setSystemTime(saleStartsAt);
    await waitFor(() => expect(button).toBeEnabled());
    expect(screen.queryByTestId("sale-countdown")).not.toBeInTheDocument();
  });

  it("asks visitors to log in and keeps Buy now disabled", async () => {
    const event = anEvent({}, [{ remaining: 10 }]);
    serve(event, { signedIn: false });
    renderApp(`/events/${event.id}`);
    const tickets = await screen.findByRole("region", { name: "Tickets" });
    expect(within(tickets).getByRole("link", { name: "Log in" })).toHaveAttribute(
      "href",
      `/login?next=${encodeURIComponent(`/events/${event.id}`)}`,
    );
    expect(screen.getByRole("button", { name: "Buy now" })).toBeDisabled();
  });

  it("disables buying once the socket says sold out", async () => {
    const event = anEvent({}, [{ remaining: 1 }]);
    const [tt] = event.ticket_types;
    serve(event);
    const { socket } = renderApp(`/events/${event.id}`);
    await screen.findByRole("button", { name: "Buy now" });
    act(() => socket().open());
    act(() => socket().receive({ type: "inventory", event_id: event.id, ticket_type_id: tt!.id, remaining: 0, version: 2 }));
    expect(await screen.findByRole("button", { name: "Sold out" })).toBeDisabled();
  });

  it("says when an event does not exist", async () => {
    server.use(
      http.get("*/api/events/:id", () => HttpResponse.json(problem("not-found", 404), { status: 404 })),
    );
    renderApp("/events/00000000-0000-4000-8000-999999999999");
    expect(await screen.findByRole("heading", { name: "Event not found" })).toBeInTheDocument();
  });
});
