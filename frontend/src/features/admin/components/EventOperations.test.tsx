import { screen, waitFor, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Booking } from "../../../lib/api-types";
import { aBooking, anEvent, aUser } from "../../../testing/fixtures";
import { server } from "../../../testing/server";
import { renderApp } from "../../../testing/test-utils";

const { createObjectURL, revokeObjectURL } = URL;
afterEach(() => {
  Object.assign(URL, { createObjectURL, revokeObjectURL });
  vi.restoreAllMocks();
});

function organiserWithEvent() {
  server.use(http.get("*/api/auth/me", () => HttpResponse.json(aUser({ role: "organizer" }))));
  const event = anEvent({ name: "Bolt Live" }, [{ name: "Standing", price_cents: 3000 }]);
  server.use(http.get(`*/api/events/${event.id}`, () => HttpResponse.json(event)));
  return event;
}

function serveBookings(eventId: string, byStatus: Record<string, Booking[]>) {
  const asked: string[] = [];
  server.use(
    http.get(`*/api/events/${eventId}/bookings`, ({ request }) => {
      const status = new URL(request.url).searchParams.get("status") ?? "";
      asked.push(status);
      return HttpResponse.json({ items: byStatus[status] ?? [], next_cursor: null });
    }),
  );
  return asked;
}

describe("the organiser's event page", () => {
  it("shows reservations counting down to their deadlines, and the checked-in count", async () => {
    const event = organiserWithEvent();
    const reserved = aBooking(event, { status: "reserved", expires_at: new Date(Date.now() + 5 * 60_000).toISOString() });
    const asked = serveBookings(event.id, { reserved: [reserved] });
    server.use(
      http.get(`*/api/events/${event.id}/checkins`, () => HttpResponse.json({ event_id: event.id, issued: 12, checked_in: 5 })),
    );
    renderApp(`/admin/events/${event.id}`);
    const list = await screen.findByRole("list", { name: "Reservations awaiting payment" });
    const timer = within(list).getByRole("timer");
    expect(timer.textContent).toMatch(/^(05:00|04:[0-5]\d)$/);
    expect(within(list).getByTestId("reservation")).toHaveTextContent("Expires in");
    expect(asked).toContain("reserved");
    await waitFor(() => expect(screen.getByTestId("checkin-count")).toHaveTextContent("Checked in: 5 of 12 tickets"));
    expect(screen.getByRole("link", { name: "Open the scanner" })).toHaveAttribute("href", `/checkin?event=${event.id}`);
  });

  it("refunds a paid booking only after confirming", async () => {
    const event = organiserWithEvent();
    const paid = aBooking(event, { status: "paid", quantity: 2 });
    const byStatus: Record<string, Booking[]> = { paid: [paid] };
    serveBookings(event.id, byStatus);
    let refunds = 0;
    server.use(
      http.post(`*/api/bookings/${paid.id}/refund`, () => {
        refunds += 1;
        byStatus.paid = [];
        return HttpResponse.json({ ...paid, status: "refunded" });
      }),
    );
    const { user } = renderApp(`/admin/events/${event.id}`);
    await user.click(await screen.findByRole("button", { name: "Refund 2 tickets for €60.00" }));
    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveAccessibleName(/^Refund 2 tickets for €60\.00\?/);
    expect(within(dialog).getByRole("button", { name: "Yes, refund" })).toHaveFocus();

    await user.click(within(dialog).getByRole("button", { name: "Keep the booking" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(refunds).toBe(0);

    await user.click(screen.getByRole("button", { name: "Refund 2 tickets for €60.00" }));
    await user.click(screen.getByRole("button", { name: "Yes, refund" }));
    expect(await screen.findByText("No paid bookings yet.")).toBeInTheDocument();
    expect(refunds).toBe(1);
  });

  it("exports the attendees as a CSV download", async () => {
    const event = organiserWithEvent();
    server.use(
      http.get(`*/api/events/${event.id}/attendees.csv`, () =>
        new HttpResponse("code,ticket type\nAAA-111,Standing\n", { headers: { "Content-Type": "text/csv" } }),
      ),
    );
    const blobs: Blob[] = [];
    URL.createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return "blob:csv";
    });
    URL.revokeObjectURL = vi.fn();
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    const { user } = renderApp(`/admin/events/${event.id}`);
    await user.click(await screen.findByRole("button", { name: "Export attendees (CSV)" }));
    await waitFor(() => expect(clicked).toEqual([`attendees-${event.id}.csv`]));
    expect(await blobs[0]!.text()).toBe("code,ticket type\nAAA-111,Standing\n");
  });
});
