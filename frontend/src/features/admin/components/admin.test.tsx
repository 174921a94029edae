import { act, screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import type { Event, EventCreateBody } from "../../../lib/api-types";
import { anEvent, aUser, problem } from "../../../testing/fixtures";
import { server } from "../../../testing/server";
import { renderApp } from "../../../testing/test-utils";

const admin = () => server.use(http.get("*/api/auth/me", () => HttpResponse.json(aUser({ role: "admin", email: "admin@example.com" }))));

describe("organiser pages", () => {
  it("are closed to customers", async () => {
    server.use(http.get("*/api/auth/me", () => HttpResponse.json(aUser())));
    renderApp("/admin/events/new");
    expect(await screen.findByRole("heading", { name: "Not allowed" })).toBeInTheDocument();
  });

  it("are closed to the door, which sees no link to them", async () => {
    server.use(http.get("*/api/auth/me", () => HttpResponse.json(aUser({ role: "door" }))));
    renderApp("/admin/events/new");
    expect(await screen.findByRole("heading", { name: "Not allowed" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Organiser" })).not.toBeInTheDocument();
  });

  it("are open to organizers, with the link to them", async () => {
    server.use(http.get("*/api/auth/me", () => HttpResponse.json(aUser({ role: "organizer" }))));
    renderApp("/admin/events/new");
    expect(await screen.findByLabelText("Event name")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Organiser" })).toBeInTheDocument();
  });

  it("create an event with its ticket types and open its sales view", async () => {
    admin();
    let sent: EventCreateBody | null = null;
    let created: Event | null = null;
    server.use(
      http.post("*/api/events", async ({ request }) => {
        sent = (await request.json()) as EventCreateBody;
        created = anEvent(
          { name: sent.name, venue: sent.venue, starts_at: sent.starts_at, sale_starts_at: sent.sale_starts_at ?? null },
          sent.ticket_types.map((t) => ({ ...t, remaining: t.capacity, per_user_limit: t.per_user_limit ?? null })),
        );
        return HttpResponse.json(created, { status: 201 });
      }),
    );
    const { user } = renderApp("/admin/events/new");
    await user.type(await screen.findByLabelText("Event name"), "Summer Bolt");
    await user.type(screen.getByLabelText("Venue"), "Park");
    await user.type(screen.getByLabelText("Event starts at"), "2030-07-01T20:00");
    const first = screen.getByRole("group", { name: "Ticket type 1" });
    await user.type(within(first).getByLabelText("Name"), "Early bird");
    await user.type(within(first).getByLabelText("Price"), "19.99");
    await user.type(within(first).getByLabelText("Capacity"), "50");
    await user.type(within(first).getByLabelText("Per-person limit"), "2");
    await user.click(screen.getByRole("button", { name: "Add ticket type" }));
    const second = screen.getByRole("group", { name: "Ticket type 2" });
    await user.type(within(second).getByLabelText("Name"), "VIP");
    await user.type(within(second).getByLabelText("Price"), "5000");
    await user.clear(within(second).getByLabelText("Currency"));
    await user.type(within(second).getByLabelText("Currency"), "jpy");
    await user.type(within(second).getByLabelText("Capacity"), "5");
    await user.click(screen.getByRole("button", { name: "Create event" }));

    expect(await screen.findByRole("heading", { name: "Sales: Summer Bolt" })).toBeInTheDocument();
    expect(sent).toEqual({
      name: "Summer Bolt",
      venue: "Park",
      starts_at: new Date("2030-07-01T20:00").toISOString(),
      sale_starts_at: null,
      ticket_types: [
        { name: "Early bird", price_cents: 1999, currency: "EUR", capacity: 50, per_user_limit: 2 },
        { name: "VIP", price_cents: 5000, currency: "JPY", capacity: 5, per_user_limit: null },
      ],
      payment_window_seconds: 600,
      refunds_until: null,
    });
  });

  it("send how long buyers have to pay and until when they may refund", async () => {
    admin();
    let sent: EventCreateBody | null = null;
    server.use(
      http.post("*/api/events", async ({ request }) => {
        sent = (await request.json()) as EventCreateBody;
        return HttpResponse.json(anEvent({ name: sent.name }), { status: 201 });
      }),
    );
    const { user } = renderApp("/admin/events/new");
    await user.type(await screen.findByLabelText("Event name"), "Refundable");
    await user.type(screen.getByLabelText("Venue"), "Park");
    await user.type(screen.getByLabelText("Event starts at"), "2030-07-01T20:00");
    await user.clear(screen.getByLabelText("Minutes to pay"));
    await user.type(screen.getByLabelText("Minutes to pay"), "0.1");
    const first = screen.getByRole("group", { name: "Ticket type 1" });
    await user.type(within(first).getByLabelText("Name"), "GA");
    await user.type(within(first).getByLabelText("Price"), "10");
    await user.type(within(first).getByLabelText("Capacity"), "5");
    await user.click(screen.getByRole("button", { name: "Create event" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Buyers need at least 10 seconds to pay");
    expect(sent).toBeNull();

    await user.clear(screen.getByLabelText("Minutes to pay"));
    await user.type(screen.getByLabelText("Minutes to pay"), "2");
    await user.type(screen.getByLabelText("Buyers may refund until"), "2030-06-30T12:00");
    await user.click(screen.getByRole("button", { name: "Create event" }));
    // The test ends on the page the form leads to, so nothing it started is still in flight
    // when the next test begins.
    expect(await screen.findByRole("heading", { name: "Sales: Refundable" })).toBeInTheDocument();
    expect(sent).toMatchObject({
      payment_window_seconds: 120,
      refunds_until: new Date("2030-06-30T12:00").toISOString(),
    });
  });

  it("check the form before sending and show the server's validation errors", async () => {
    admin();
    server.use(
      http.post("*/api/events", () =>
        HttpResponse.json(
          { ...problem("validation-error", 422), errors: [{ loc: ["body", "starts_at"], msg: "must be in the future" }] },
          { status: 422 },
        ),
      ),
    );
    const { user } = renderApp("/admin/events/new");
    await user.click(await screen.findByRole("button", { name: "Create event" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Enter the event's name.");
    expect(screen.getByRole("alert")).toHaveTextContent("Ticket type 1: enter a name.");

    await user.type(screen.getByLabelText("Event name"), "X");
    await user.type(screen.getByLabelText("Venue"), "Y");
    await user.type(screen.getByLabelText("Event starts at"), "2020-01-01T10:00");
    const first = screen.getByRole("group", { name: "Ticket type 1" });
    await user.type(within(first).getByLabelText("Name"), "T");
    await user.type(within(first).getByLabelText("Price"), "1");
    await user.type(within(first).getByLabelText("Capacity"), "1");
    await user.click(screen.getByRole("button", { name: "Create event" }));
    expect(await screen.findByText("starts_at: must be in the future")).toBeInTheDocument();
  });

  it("list every event a page at a time, the button off while a page loads", async () => {
    admin();
    let release!: () => void;
    const secondPage = new Promise<void>((resolve) => (release = resolve));
    server.use(
      http.get("*/api/events", async ({ request }) => {
        if (new URL(request.url).searchParams.get("cursor") !== "page-2") {
          return HttpResponse.json({ items: [anEvent({ name: "First" })], next_cursor: "page-2" });
        }
        await secondPage;
        return HttpResponse.json({ items: [anEvent({ name: "Second" })], next_cursor: null });
      }),
    );
    const { user } = renderApp("/admin");
    await screen.findByRole("link", { name: "First" });
    await user.click(screen.getByRole("button", { name: "More events" }));
    expect(await screen.findByRole("button", { name: "Loading…" })).toBeDisabled();

    release();
    expect(await screen.findByRole("link", { name: "Second" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /More events|Loading/ })).not.toBeInTheDocument();
  });

  it("show live sales: sold, remaining and tickets per second from inventory messages", async () => {
    admin();
    const event = anEvent({ name: "Bolt Live" }, [{ name: "Standing", capacity: 100, remaining: 100 }]);
    const [tt] = event.ticket_types;
    server.use(http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)));
    const { socket } = renderApp(`/admin/events/${event.id}`);
    expect(await screen.findByRole("heading", { name: "Sales: Bolt Live" })).toBeInTheDocument();
    act(() => socket().open());
    act(() => socket().receive({ type: "snapshot", event_id: event.id, version: 1, ticket_types: [{ id: tt!.id, remaining: 90 }] }));
    act(() => socket().receive({ type: "inventory", event_id: event.id, ticket_type_id: tt!.id, remaining: 80, version: 2 }));
    await waitFor(() => expect(screen.getByTestId("total-sold")).toHaveTextContent("20"));
    expect(screen.getByTestId("total-remaining")).toHaveTextContent("80");
    await waitFor(() => expect(screen.getByTestId("total-rate")).not.toHaveTextContent(/^0$/));
  });
});
