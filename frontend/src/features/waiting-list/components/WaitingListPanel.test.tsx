import { act, screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import type { Event } from "../../../lib/api-types";
import { anEvent, aUser, problem } from "../../../testing/fixtures";
import { server } from "../../../testing/server";
import { renderApp } from "../../../testing/test-utils";
import type { WaitlistPlace } from "../api";

function soldOutEvent(): Event {
  return anEvent({ name: "Bolt Live" }, [{ name: "Standing", remaining: 0 }]);
}

const aWaitlistPlace = (ticketTypeId: string, overrides: Partial<WaitlistPlace> = {}): WaitlistPlace => ({
  ticket_type_id: ticketTypeId,
  state: "waiting",
  position: 3,
  offer_expires_at: null,
  pass: null,
  ...overrides,
});

/** The event and a signed-in buyer; GET …/waiting-list/me answers with `mine()` each time. */
function serve(event: Event, mine: () => WaitlistPlace[]) {
  server.use(
    http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)),
    http.get("*/api/auth/me", () => HttpResponse.json(aUser())),
    http.get(`*/api/events/${event.id}/waiting-list/me`, () => HttpResponse.json({ places: mine() })),
  );
}

describe("the waiting list", () => {
  it("lets a buyer join a sold-out ticket type's list and shows their place", async () => {
    const event = soldOutEvent();
    const [standing] = event.ticket_types;
    serve(event, () => []);
    const sent: unknown[] = [];
    server.use(
      http.post(`*/api/events/${event.id}/waiting-list`, async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json(aWaitlistPlace(standing!.id, { position: 3 }));
      }),
    );
    const { user } = renderApp(`/events/${event.id}`);
    await user.click(await screen.findByRole("button", { name: "Join the waiting list" }));
    expect(await screen.findByTestId("waitlist-position")).toHaveTextContent("You're number 3 on the waiting list for Standing.");
    expect(sent).toEqual([{ ticket_type_id: standing!.id }]);
    expect(screen.getByRole("button", { name: "Leave the waiting list" })).toBeInTheDocument();
  });

  it("shows an offer when the socket says offers moved, and buys with the offer's pass", async () => {
    const event = soldOutEvent();
    const [standing] = event.ticket_types;
    let offered = false;
    serve(event, () => [
      offered
        ? aWaitlistPlace(standing!.id, {
            state: "offered",
            position: null,
            pass: "offer-pass",
            offer_expires_at: new Date(Date.now() + 5 * 60_000).toISOString(),
          })
        : aWaitlistPlace(standing!.id),
    ]);
    const bookings: Array<string | null> = [];
    server.use(
      http.post("*/api/bookings", ({ request }) => {
        bookings.push(request.headers.get("Admission-Pass"));
        return HttpResponse.json({ booking_id: "55555555-5555-4555-8555-555555555555", status: "pending" }, { status: 202 });
      }),
    );
    const { user, socket } = renderApp(`/events/${event.id}`);
    act(() => socket().open());
    await screen.findByTestId("waitlist-position");
    offered = true;
    act(() => socket().receive({ type: "waiting_list", event_id: event.id, ticket_type_id: standing!.id, offered_through: 1 }));
    const offer = await screen.findByTestId("waitlist-offer");
    expect(within(offer).getByRole("heading", { name: "A ticket is yours to buy" })).toBeInTheDocument();
    expect(within(offer).getByText(/Offer ends in/)).toHaveTextContent(/0[45]:\d\d/);
    await user.click(within(offer).getByRole("button", { name: "Buy now" }));
    await within(offer).findByTestId("booking-status");
    expect(bookings).toEqual(["offer-pass"]);
  });

  it("says so when the ticket type is on sale again", async () => {
    const event = soldOutEvent();
    serve(event, () => []);
    server.use(
      http.post(`*/api/events/${event.id}/waiting-list`, () =>
        HttpResponse.json(problem("not-sold-out", 409), { status: 409 }),
      ),
    );
    const { user } = renderApp(`/events/${event.id}`);
    await user.click(await screen.findByRole("button", { name: "Join the waiting list" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Tickets are available again");
  });

  it("tells a buyer whose offer ran out, and lets them join again", async () => {
    const event = soldOutEvent();
    serve(event, () => [aWaitlistPlace(event.ticket_types[0]!.id, { state: "lapsed", position: null })]);
    renderApp(`/events/${event.id}`);
    expect(await screen.findByText(/Your offer ran out unused/)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("button", { name: "Join the waiting list again" })).toBeEnabled());
  });
});
