import { act, screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { anEvent } from "../../../testing/fixtures";
import { server } from "../../../testing/server";
import { renderApp } from "../../../testing/test-utils";

describe("EventsPage", () => {
  it("lists events with live remaining counts that follow the socket", async () => {
    const event = anEvent({ name: "Bolt Live" }, [{ name: "Standing", remaining: 12, price_cents: 4500 }]);
    const [standing] = event.ticket_types;
    server.use(http.get("*/api/events", () => HttpResponse.json({ items: [event], next_cursor: null })));
    const { socket } = renderApp("/");

    expect(await screen.findByRole("link", { name: "Bolt Live" })).toHaveAttribute("href", `/events/${event.id}`);
    const card = screen.getByTestId("event-card");
    expect(within(card).getByText(/Standing · €45\.00/)).toBeInTheDocument();
    const remaining = screen.getByTestId(`remaining-${standing!.id}`);
    expect(remaining).toHaveTextContent("12 left");
    expect(remaining).toHaveAttribute("aria-live", "polite");

    act(() => socket().open());
    expect(socket().messages).toEqual([{ type: "subscribe", event_id: event.id }]);
    expect(remaining).toHaveAttribute("data-stale", "true"); // no snapshot yet

    act(() =>
      socket().receive({ type: "snapshot", event_id: event.id, version: 7, ticket_types: [{ id: standing!.id, remaining: 9 }] }),
    );
    // Query cache notifications reach React on the next tick.
    await waitFor(() => expect(remaining).toHaveTextContent("9 left"));
    expect(remaining).toHaveAttribute("data-stale", "false");
    expect(within(card).getByTestId("live-badge")).toHaveTextContent("Live");

    act(() =>
      socket().receive({ type: "inventory", event_id: event.id, ticket_type_id: standing!.id, remaining: 0, version: 8 }),
    );
    await waitFor(() => expect(remaining).toHaveTextContent("Sold out"));
  });

  it("shows the numbers as stale while reconnecting", async () => {
    const event = anEvent({}, [{ remaining: 5 }]);
    const [tt] = event.ticket_types;
    server.use(http.get("*/api/events", () => HttpResponse.json({ items: [event], next_cursor: null })));
    const { socket } = renderApp("/");
    await screen.findByTestId("event-card");
    act(() => {
      socket().open();
      socket().receive({ type: "snapshot", event_id: event.id, version: 1, ticket_types: [{ id: tt!.id, remaining: 5 }] });
    });
    expect(screen.getByTestId(`remaining-${tt!.id}`)).toHaveAttribute("data-stale", "false");

    act(() => socket().drop());
    expect(screen.getByTestId(`remaining-${tt!.id}`)).toHaveAttribute("data-stale", "true");
    expect(screen.getByTestId(`remaining-${tt!.id}`)).toHaveClass("is-stale");
    expect(screen.getByTestId("stale-badge")).toHaveTextContent("Reconnecting…");
    expect(screen.getByTestId("connection-banner")).toHaveTextContent(/reconnecting/i);
  });

  it("loads more events with the cursor", async () => {
    const first = anEvent({ name: "First" });
    const second = anEvent({ name: "Second" });
    server.use(
      http.get("*/api/events", ({ request }) => {
        const cursor = new URL(request.url).searchParams.get("cursor");
        return HttpResponse.json(
          cursor === "page-2" ? { items: [second], next_cursor: null } : { items: [first], next_cursor: "page-2" },
        );
      }),
    );
    const { user } = renderApp("/");
    await screen.findByRole("link", { name: "First" });
    await user.click(screen.getByRole("button", { name: "More events" }));
    expect(await screen.findByRole("link", { name: "Second" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "More events" })).not.toBeInTheDocument();
  });

  it("shows an error with a retry when the list cannot load", async () => {
    server.use(
      http.get("*/api/events", () =>
        HttpResponse.json({ type: "/problems/internal", title: "Server error", status: 500, detail: "Boom" }, { status: 500 }),
      ),
    );
    renderApp("/");
    expect(await screen.findByRole("alert")).toHaveTextContent("Boom");
  });
});
