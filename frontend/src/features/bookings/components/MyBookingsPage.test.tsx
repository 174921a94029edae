import { act, screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { aBooking, anEvent, aUser, problem } from "../../../testing/fixtures";
import { server } from "../../../testing/server";
import { renderApp } from "../../../testing/test-utils";

function signedIn() {
  server.use(http.get("*/api/auth/me", () => HttpResponse.json(aUser())));
}

describe("MyBookingsPage", () => {
  it("sends visitors to log in first", async () => {
    renderApp("/bookings");
    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
  });

  it("lists bookings with event names, and cancels a reserved one", async () => {
    signedIn();
    const event = anEvent({ name: "Bolt Live" }, [{ name: "Standing", price_cents: 3000 }]);
    const booking = aBooking(event, { quantity: 2, status: "reserved" });
    let cancelled = 0;
    server.use(
      http.get("*/api/bookings", () => HttpResponse.json({ items: [booking], next_cursor: null })),
      http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)),
      http.post(`*/api/bookings/${booking.id}/cancel`, () => {
        cancelled += 1;
        return HttpResponse.json({ ...booking, status: "cancelled" });
      }),
    );
    const { user } = renderApp("/bookings");
    const row = await screen.findByTestId("booking-row");
    expect(await within(row).findByRole("link", { name: "Bolt Live" })).toBeInTheDocument();
    expect(row).toHaveTextContent("2 × Standing · €60.00");
    expect(within(row).getByText("Reserved")).toBeInTheDocument();

    await user.click(within(row).getByRole("button", { name: "Cancel booking" }));
    await waitFor(() => expect(screen.getByTestId("booking-row")).toHaveAttribute("data-status", "cancelled"));
    expect(cancelled).toBe(1);
    expect(screen.queryByRole("button", { name: "Cancel booking" })).not.toBeInTheDocument();
  });

  it("explains when a booking cannot be cancelled", async () => {
    signedIn();
    const event = anEvent();
    const booking = aBooking(event, { status: "reserved" });
    server.use(
      http.get("*/api/bookings", () => HttpResponse.json({ items: [booking], next_cursor: null })),
      http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)),
      http.post(`*/api/bookings/${booking.id}/cancel`, () =>
        HttpResponse.json(problem("booking-not-cancellable", 409), { status: 409 }),
      ),
    );
    const { user } = renderApp("/bookings");
    await user.click(await screen.findByRole("button", { name: "Cancel booking" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This booking can't be cancelled right now.");
  });

  it("watches pending bookings and shows their outcome live", async () => {
    signedIn();
    const event = anEvent();
    const booking = aBooking(event, { status: "pending" });
    server.use(
      http.get("*/api/bookings", () => HttpResponse.json({ items: [booking], next_cursor: null })),
      http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)),
    );
    const { socket } = renderApp("/bookings");
    act(() => socket().open());
    await screen.findByTestId("booking-row");
    await waitFor(() => expect(socket().messages).toContainEqual({ type: "watch", booking_id: booking.id }));
    act(() => socket().receive({ type: "booking", booking_id: booking.id, status: "rejected", reason: "sold-out" }));
    await waitFor(() => expect(screen.getByTestId("booking-row")).toHaveAttribute("data-status", "rejected"));
    expect(screen.getByTestId("booking-row")).toHaveTextContent("Sold out");
  });

  it("shows a reservation counting down with a way to pay or give it up, and its expiry live", async () => {
    signedIn();
    const event = anEvent({ name: "Bolt Live" });
    const booking = aBooking(event, { status: "reserved", expires_at: new Date(Date.now() + 8 * 60_000).toISOString() });
    server.use(
      http.get("*/api/bookings", () => HttpResponse.json({ items: [booking], next_cursor: null })),
      http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)),
    );
    const { socket } = renderApp("/bookings");
    act(() => socket().open());
    const row = await screen.findByTestId("booking-row");
    expect(within(row).getByText("Reserved")).toBeInTheDocument();
    expect(within(row).getByRole("timer").textContent).toMatch(/^(08:00|07:[0-5]\d)$/);
    expect(await within(row).findByRole("link", { name: "Pay now for Bolt Live" })).toHaveAttribute("href", `/bookings/${booking.id}`);
    expect(within(row).getByRole("button", { name: "Cancel booking" })).toBeInTheDocument();

    await waitFor(() => expect(socket().messages).toContainEqual({ type: "watch", booking_id: booking.id }));
    act(() => socket().receive({ type: "booking", booking_id: booking.id, status: "expired", reason: null }));
    await waitFor(() => expect(screen.getByTestId("booking-row")).toHaveAttribute("data-status", "expired"));
    expect(screen.getByTestId("booking-row")).toHaveTextContent("The time to pay ran out");
    expect(screen.queryByRole("timer")).not.toBeInTheDocument();
  });

  it("links a paid booking to its tickets", async () => {
    signedIn();
    const event = anEvent({ name: "Bolt Live" });
    const booking = aBooking(event, { status: "paid" });
    server.use(
      http.get("*/api/bookings", () => HttpResponse.json({ items: [booking], next_cursor: null })),
      http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)),
    );
    renderApp("/bookings");
    const row = await screen.findByTestId("booking-row");
    expect(within(row).getByText("Paid")).toBeInTheDocument();
    expect(await within(row).findByRole("link", { name: "Show tickets for Bolt Live" })).toHaveAttribute("href", `/bookings/${booking.id}`);
    expect(within(row).queryByRole("button", { name: "Cancel booking" })).not.toBeInTheDocument();
  });
});
