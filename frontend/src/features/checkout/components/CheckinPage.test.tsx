import { act, screen, waitFor } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { afterEach, describe, expect, it, vi } from "vitest";
import { aTicket, checkinHandlers } from "../../../testing/checkout-handlers";
import { aBooking, anEvent, aUser } from "../../../testing/fixtures";
import { server } from "../../../testing/server";
import { renderApp } from "../../../testing/test-utils";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

function doorWithTickets(role: "door" | "admin" = "door") {
  server.use(http.get("*/api/auth/me", () => HttpResponse.json(aUser({ role, email: "door@example.com" }))));
  const event = anEvent();
  const booking = aBooking(event, { status: "paid" });
  const tickets = [aTicket(booking, { code: "GOOD-1", ticket_type_name: "Standing" }), aTicket(booking, { code: "VOID-1" })];
  server.use(...checkinHandlers(tickets, { void: ["VOID-1"], firstScanAt: "2030-06-01T18:30:05Z" }));
  return { event, tickets };
}

async function enter(user: ReturnType<typeof renderApp>["user"], code: string) {
  const input = await screen.findByLabelText("Ticket code");
  await user.type(input, code);
  await user.click(screen.getByRole("button", { name: "Check in" }));
}

describe("the check-in page", () => {
  it("is for door staff and admins only", async () => {
    server.use(http.get("*/api/auth/me", () => HttpResponse.json(aUser({ role: "organizer" }))));
    renderApp("/checkin");
    expect(await screen.findByRole("heading", { name: "Not allowed" })).toBeInTheDocument();
    expect(screen.getByText("This page is for door staff.")).toBeInTheDocument();
  });

  it("shows door staff the scanner link and not the organiser's pages", async () => {
    doorWithTickets();
    renderApp("/admin");
    expect(await screen.findByRole("heading", { name: "Not allowed" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Check-in" })).toHaveAttribute("href", "/checkin");
    expect(screen.queryByRole("link", { name: "Organiser" })).not.toBeInTheDocument();
  });

  it("admits a code once: valid, then already checked in at the first scan's time", async () => {
    doorWithTickets("admin");
    const { user } = renderApp("/checkin");
    expect(await screen.findByText("This browser cannot read QR codes from the camera: type the code below.")).toBeInTheDocument();
    const result = screen.getByTestId("scan-result");
    expect(result).toHaveAttribute("role", "status");
    expect(result).toHaveAttribute("aria-live", "assertive");

    await enter(user, "GOOD-1");
    await waitFor(() => expect(result).toHaveAttribute("data-verdict", "valid"));
    expect(result).toHaveTextContent("Valid — Standing, code GOOD-1. Let them in.");
    expect(result).toHaveClass("scan-valid");
    expect(screen.getByLabelText("Ticket code")).toHaveValue("");

    await enter(user, "GOOD-1");
    await waitFor(() => expect(result).toHaveAttribute("data-verdict", "repeat"));
    expect(result).toHaveTextContent(/Already checked in at .+ — code GOOD-1\. Do not admit\./);
    expect(result.querySelector("time")).toHaveAttribute("dateTime", "2030-06-01T18:30:05Z");
    expect(result).toHaveClass("scan-repeat");
  });

  it("refuses unknown and void codes, each with its own wording", async () => {
    doorWithTickets();
    const { user } = renderApp("/checkin");
    const result = await screen.findByTestId("scan-result");
    await enter(user, "NOPE-9");
    await waitFor(() => expect(result).toHaveAttribute("data-verdict", "unknown"));
    expect(result).toHaveTextContent("Unknown ticket — NOPE-9 is not a ticket. Do not admit.");
    await enter(user, "VOID-1");
    await waitFor(() => expect(result).toHaveAttribute("data-verdict", "void"));
    expect(result).toHaveTextContent("Void ticket — VOID-1 belongs to a refunded or cancelled booking.");
  });

  it("shows the event's checked-in count, live from the socket", async () => {
    const { event } = doorWithTickets();
    server.use(
      http.get(`*/api/events/${event.id}/checkins`, () => HttpResponse.json({ event_id: event.id, issued: 40, checked_in: 3 })),
    );
    const { socket } = renderApp(`/checkin?event=${event.id}`);
    act(() => socket().open());
    const count = await screen.findByTestId("checkin-count");
    await waitFor(() => expect(count).toHaveTextContent("Checked in: 3 of 40 tickets"));
    expect(count).toHaveAttribute("aria-live", "polite");
    await waitFor(() => expect(socket().messages).toContainEqual({ type: "subscribe", event_id: event.id }));
    act(() => socket().receive({ type: "checkins", event_id: event.id, issued: 40, checked_in: 4 }));
    await waitFor(() => expect(count).toHaveTextContent("Checked in: 4 of 40 tickets"));
  });

  it("reads codes from the camera with BarcodeDetector, and sends a code held in view only once", async () => {
    doorWithTickets();
    const sent: string[] = [];
    server.use(
      http.post("*/api/checkin", async ({ request }) => {
        sent.push(((await request.json()) as { code: string }).code);
        return HttpResponse.json({ code: "GOOD-1", event_id: "e", ticket_type_id: "t", ticket_type_name: "Standing", checked_in_at: "2030-06-01T18:30:05Z" });
      }),
    );
    const stopTrack = vi.fn();
    const getUserMedia = vi.fn(async () => ({ getTracks: () => [{ stop: stopTrack }] }));
    vi.stubGlobal("navigator", Object.assign(Object.create(navigator), { mediaDevices: { getUserMedia } }));
    const detect = vi.fn(async () => [{ rawValue: "GOOD-1" }]);
    vi.stubGlobal(
      "BarcodeDetector",
      class {
        constructor(readonly options: { formats: string[] }) {}
        detect = detect;
      },
    );
    vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    Object.defineProperty(HTMLMediaElement.prototype, "srcObject", { configurable: true, writable: true, value: null });

    const { user } = renderApp("/checkin");
    const start = await screen.findByRole("button", { name: "Start camera" });
    // Time stands still: however slow this machine, the same code stays inside its pause.
    vi.spyOn(Date, "now").mockReturnValue(Date.now());
    await user.click(start);
    expect(getUserMedia).toHaveBeenCalledWith({ video: { facingMode: "environment" }, audio: false });
    await waitFor(() => expect(screen.getByTestId("scan-result")).toHaveAttribute("data-verdict", "valid"));
    // The detector keeps seeing the same code; it is not sent again at once.
    await waitFor(() => expect(detect.mock.calls.length).toBeGreaterThan(3));
    expect(sent).toEqual(["GOOD-1"]);
    await user.click(screen.getByRole("button", { name: "Stop camera" }));
    expect(stopTrack).toHaveBeenCalled();
  });
});
