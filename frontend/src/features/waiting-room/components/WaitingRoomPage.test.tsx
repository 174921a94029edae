import { act, screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import type { Event, WaitingRoomPlace } from "../../../lib/api-types";
import { anEvent, aPlace, aUser, problem } from "../../../testing/fixtures";
import { server } from "../../../testing/server";
import { renderApp } from "../../../testing/test-utils";

const PAST = "2026-01-01T00:00:00Z";

function roomEvent(overrides: Partial<Event> = {}, remaining = 10): Event {
  return anEvent({ name: "Bolt Live", waiting_room_opens_at: PAST, ...overrides }, [{ name: "Standing", remaining }]);
}

/** The event, a signed-in buyer, and the room answering join and me from `places` in turn. */
function serveRoom(event: Event, ...places: WaitingRoomPlace[]) {
  const calls = { join: 0, me: 0 };
  const next = () => places[Math.min(calls.join + calls.me - 1, places.length - 1)]!;
  server.use(
    http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)),
    http.get("*/api/auth/me", () => HttpResponse.json(aUser())),
    http.post(`*/api/events/${event.id}/waiting-room/join`, () => {
      calls.join += 1;
      return HttpResponse.json(next());
    }),
    http.get(`*/api/events/${event.id}/waiting-room/me`, () => {
      calls.me += 1;
      return HttpResponse.json(next());
    }),
  );
  return calls;
}

const roomMessage = (event: Event, now_serving: number, state = "waiting", admit_per_minute: number | null = 60) => ({
  type: "waiting_room",
  event_id: event.id,
  state,
  now_serving,
  admit_per_minute,
});

describe("the waiting room", () => {
  it("sends a buyer from the event page into the room instead of selling there", async () => {
    const event = roomEvent();
    serveRoom(event, aPlace());
    const { user } = renderApp(`/events/${event.id}`);
    expect(await screen.findByText(/This sale has a waiting room/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Buy now" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("link", { name: "Join the waiting room" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Waiting room: Bolt Live" })).toBeInTheDocument();
  });

  it("counts the position down live from the broadcast, then admits straight into the purchase with the pass", async () => {
    const event = roomEvent();
    const [standing] = event.ticket_types;
    let turn = false;
    const waiting = aPlace({ number: 5, now_serving: 0, position: 5, estimated_wait_seconds: 300 });
    const admitted = aPlace({ state: "admitted", number: 5, now_serving: 5, position: 0, pass: "the-pass", pass_expires_at: "2030-06-01T10:10:00Z" });
    serveRoom(event, waiting);
    server.use(http.get(`*/api/events/${event.id}/waiting-room/me`, () => HttpResponse.json(turn ? admitted : waiting)));
    const seen: Array<{ pass: string | null; body: unknown }> = [];
    server.use(
      http.post("*/api/bookings", async ({ request }) => {
        seen.push({ pass: request.headers.get("Admission-Pass"), body: await request.json() });
        return HttpResponse.json({ booking_id: "44444444-4444-4444-8444-444444444444", status: "pending" }, { status: 202 });
      }),
    );
    const { user, socket } = renderApp(`/events/${event.id}/waiting-room`);
    act(() => socket().open());

    expect(await screen.findByTestId("room-state")).toHaveAttribute("data-state", "waiting");
    expect(screen.getByTestId("room-position")).toHaveTextContent("5");
    expect(screen.getByTestId("room-wait")).toHaveTextContent("about 5 minutes");
    expect(screen.getByText(/What happens next/)).toBeInTheDocument();
    await waitFor(() => expect(socket().messages).toContainEqual({ type: "subscribe", event_id: event.id }));
    act(() => socket().receive({ type: "snapshot", event_id: event.id, ticket_types: [{ id: standing!.id, remaining: 10 }], version: 1 }));

    act(() => socket().receive(roomMessage(event, 3, "waiting", 120)));
    await waitFor(() => expect(screen.getByTestId("room-position")).toHaveTextContent("2"));
    expect(screen.getByTestId("room-wait")).toHaveTextContent("less than a minute");
    const bar = screen.getByRole("progressbar", { name: "Progress to the front of the line" });
    expect(bar).toHaveAttribute("max", "5");
    expect(bar).toHaveAttribute("value", "3");

    turn = true;
    act(() => socket().receive(roomMessage(event, 5)));
    expect(await screen.findByRole("heading", { name: "It's your turn" })).toBeInTheDocument();
    const card = await screen.findByRole("listitem", { name: "Standing" });
    await user.click(within(card).getByRole("button", { name: "Buy now" }));
    await screen.findByTestId("booking-status");
    expect(seen).toEqual([{ pass: "the-pass", body: { ticket_type_id: standing!.id, quantity: 1 } }]);
  });

  it("polls for the place without a socket, and gets the lottery's number", async () => {
    const event = roomEvent({ sale_starts_at: "2030-06-01T10:00:00Z" });
    const lottery = aPlace({ number: null, position: null, estimated_wait_seconds: null });
    // Joined, then asked once on opening the page, then polled after the draw.
    const calls = serveRoom(event, lottery, lottery, aPlace({ number: 7, now_serving: 2, position: 5, estimated_wait_seconds: 30 }));
    renderApp(`/events/${event.id}/waiting-room`); // the socket never opens
    expect(await screen.findByRole("heading", { name: "You're in the pre-queue" })).toBeInTheDocument();
    expect(screen.getByText(/random order/)).toBeInTheDocument();
    expect(await screen.findByTestId("room-position")).toHaveTextContent("5");
    expect(calls.me).toBeGreaterThanOrEqual(2);
  });

  it("tells of the sell-out at once and offers the waiting list, then of the closing", async () => {
    const event = roomEvent({}, 0);
    serveRoom(event, aPlace({ number: 50 }));
    const { socket } = renderApp(`/events/${event.id}/waiting-room`);
    act(() => socket().open());
    await screen.findByTestId("room-state");
    act(() => socket().receive(roomMessage(event, 20, "sold_out")));
    expect(await screen.findByRole("heading", { name: "Sold out" })).toBeInTheDocument();
    // Spoken, not only shown.
    expect(screen.getAllByRole("status").map((s) => s.textContent)).toContain("Sold out");
    expect(await screen.findByRole("button", { name: "Join the waiting list" })).toBeInTheDocument();
    act(() => socket().receive(roomMessage(event, 20, "closed")));
    expect(await screen.findByRole("heading", { name: "The waiting room is closed" })).toBeInTheDocument();
  });

  it("closes the place when the pass runs out unused", async () => {
    const event = roomEvent();
    const expires = new Date(Date.now() + 1500).toISOString();
    serveRoom(
      event,
      aPlace({ state: "admitted", number: 1, now_serving: 1, position: 0, pass: "p", pass_expires_at: expires }),
      aPlace({ state: "admitted", number: 1, now_serving: 1, position: 0, pass: "p", pass_expires_at: expires }),
      aPlace({ state: "closed", number: 1, now_serving: 3, position: null }),
    );
    renderApp(`/events/${event.id}/waiting-room`);
    expect(await screen.findByRole("heading", { name: "It's your turn" })).toBeInTheDocument();
    expect(await screen.findByRole("heading", { name: "The waiting room is closed" })).toBeInTheDocument();
  });

  it("counts down to the room's opening and joins by itself when it opens", async () => {
    const opensAt = new Date(Date.now() + 1500).toISOString();
    const event = roomEvent({ waiting_room_opens_at: opensAt });
    const calls = serveRoom(event, aPlace({ number: null, position: null }));
    renderApp(`/events/${event.id}/waiting-room`);
    expect(await screen.findByRole("heading", { name: "The waiting room opens soon" })).toBeInTheDocument();
    expect(calls.join).toBe(0);
    expect(await screen.findByRole("heading", { name: "You're in the pre-queue" })).toBeInTheDocument();
    expect(calls.join).toBe(1);
  });

  it("sends a buyer whose booking needs a pass to the room", async () => {
    // The room was turned on after the page loaded: the booking is refused with a join link.
    const event = roomEvent({ waiting_room_opens_at: null });
    serveRoom(event, aPlace());
    server.use(
      http.post("*/api/bookings", () =>
        HttpResponse.json({ ...problem("waiting-room", 403), join: `/api/events/${event.id}/waiting-room/join` }, { status: 403 }),
      ),
    );
    const { user } = renderApp(`/events/${event.id}`);
    await user.click(await screen.findByRole("button", { name: "Buy now" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Waiting room: Bolt Live" })).toBeInTheDocument();
    expect(await screen.findByTestId("room-state")).toHaveAttribute("data-state", "waiting");
  });

  it("explains an event without a room", async () => {
    const event = roomEvent({ waiting_room_opens_at: null });
    server.use(
      http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)),
      http.get("*/api/auth/me", () => HttpResponse.json(aUser())),
      http.post(`*/api/events/${event.id}/waiting-room/join`, () =>
        HttpResponse.json(problem("not-found", 404), { status: 404 }),
      ),
    );
    renderApp(`/events/${event.id}/waiting-room`);
    expect(await screen.findByText(/This event has no waiting room/)).toBeInTheDocument();
  });
});
