import { act, screen, waitFor } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import type { Event, WaitingRoomOverview, WaitingRoomSettingsBody } from "../../../lib/api-types";
import { anEvent, aRoomOverview, aUser, problem } from "../../../testing/fixtures";
import { server } from "../../../testing/server";
import { renderApp } from "../../../testing/test-utils";
import { buildRoomBody } from "./RoomSettingsForm";

/** An organiser's event; the room's overview (or none) and the PUTs it receives. */
function serve(event: Event, overview: WaitingRoomOverview | null) {
  const sent: WaitingRoomSettingsBody[] = [];
  let current = overview;
  server.use(
    http.get("*/api/auth/me", () => HttpResponse.json(aUser({ role: "organizer" }))),
    http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)),
    http.get(`*/api/events/${event.id}/waiting-room`, () =>
      current ? HttpResponse.json(current) : HttpResponse.json(problem("not-found", 404), { status: 404 }),
    ),
    http.put(`*/api/events/${event.id}/waiting-room`, async ({ request }) => {
      const body = (await request.json()) as WaitingRoomSettingsBody;
      sent.push(body);
      current = aRoomOverview(event.id, { ...body, admit_per_minute: body.admit_per_minute ?? null });
      return HttpResponse.json(current);
    }),
  );
  return sent;
}

describe("the organiser's waiting room", () => {
  it("turns a room on with a fixed rate, then shows it live", async () => {
    const event = anEvent({ name: "Bolt Live" });
    const sent = serve(event, null);
    const { user } = renderApp(`/admin/events/${event.id}`);
    const opens = await screen.findByLabelText("Room opens at");
    expect(screen.queryByRole("heading", { name: "Waiting room live" })).not.toBeInTheDocument();
    await user.type(opens, "2030-06-01T09:00");
    await user.click(screen.getByLabelText("Fixed"));
    await user.clear(screen.getByLabelText("Buyers admitted per minute"));
    await user.type(screen.getByLabelText("Buyers admitted per minute"), "300");
    await user.clear(screen.getByLabelText("Admission pass valid for (seconds)"));
    await user.type(screen.getByLabelText("Admission pass valid for (seconds)"), "900");
    await user.type(screen.getByLabelText("Waiting-list offer valid for (seconds)"), "120");
    await user.click(screen.getByRole("button", { name: "Save waiting room" }));

    expect(await screen.findByRole("heading", { name: "Waiting room live" })).toBeInTheDocument();
    expect(sent).toEqual([
      {
        opens_at: new Date("2030-06-01T09:00").toISOString(),
        admit_per_minute: 300,
        automatic_factor: 1,
        pass_ttl_seconds: 900,
        offer_ttl_seconds: 120,
        enabled: true,
      },
    ]);
    expect(screen.getByText("Waiting room saved.")).toBeInTheDocument();
  });

  it("shows the room's size, rate and outcomes, moved on by the broadcast", async () => {
    const event = anEvent();
    serve(event, aRoomOverview(event.id, { now_serving: 40, numbered: 100, waiting: 60, bought: 25, measured_admit_per_minute: 118.5 }));
    const { socket } = renderApp(`/admin/events/${event.id}`);
    act(() => socket().open());
    expect(await screen.findByTestId("room-size")).toHaveTextContent("100");
    expect(screen.getByTestId("room-admitted")).toHaveTextContent("40");
    expect(screen.getByTestId("room-waiting")).toHaveTextContent("60");
    expect(screen.getByTestId("room-bought")).toHaveTextContent("25");
    expect(screen.getByTestId("room-rate")).toHaveTextContent("118.5");
    expect(screen.getByLabelText("Room opens at")).not.toHaveValue("");
    await waitFor(() => expect(socket().messages).toContainEqual({ type: "subscribe", event_id: event.id }));

    act(() => socket().receive({ type: "waiting_room", event_id: event.id, state: "sold_out", now_serving: 55, admit_per_minute: 90 }));
    await waitFor(() => expect(screen.getByTestId("room-admitted")).toHaveTextContent("55"));
    expect(screen.getByTestId("room-waiting")).toHaveTextContent("45");
    expect(screen.getByTestId("room-rate")).toHaveTextContent("90");
    expect(screen.getByTestId("room-admin-state")).toHaveTextContent("Sold out");
  });

  it("saves the automatic rate with its factor, and shows the server's refusal", async () => {
    const event = anEvent();
    serve(event, aRoomOverview(event.id, { admit_per_minute: null }));
    server.use(
      http.put(`*/api/events/${event.id}/waiting-room`, () =>
        HttpResponse.json(problem("validation-error", 422, "opens_at must be before the sale starts"), { status: 422 }),
      ),
    );
    const { user } = renderApp(`/admin/events/${event.id}`);
    const factor = await screen.findByLabelText("Automatic factor");
    await user.clear(factor);
    await user.type(factor, "1.5");
    await user.click(screen.getByRole("button", { name: "Save waiting room" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("opens_at must be before the sale starts");
  });
});

describe("buildRoomBody", () => {
  const draft = { enabled: true, opensAt: "2030-06-01T09:00", automatic: true, perMinute: "60", factor: "2", passTtl: "600", offerTtl: "" };

  it("sends null for the automatic rate, with its factor", () => {
    expect(buildRoomBody(draft)).toEqual({
      body: { opens_at: new Date("2030-06-01T09:00").toISOString(), admit_per_minute: null, automatic_factor: 2, pass_ttl_seconds: 600, offer_ttl_seconds: null, enabled: true },
    });
  });

  it("lists every problem of settings that cannot work", () => {
    expect(buildRoomBody({ ...draft, opensAt: "", automatic: false, perMinute: "0", passTtl: "5", offerTtl: "5" })).toEqual({
      problems: [
        "Enter when the waiting room opens.",
        "The admission rate is a whole number of buyers a minute, at least 1.",
        "The pass is valid for 30 to 86,400 seconds.",
        "A waiting-list offer lasts 10 to 86,400 seconds, or leave it empty for the default.",
      ],
    });
  });
});
