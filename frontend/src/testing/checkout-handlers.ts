/**
 * MSW handlers for the issue-13 routes (checkout, payments, tickets, check-in), written from
 * s27-api13.md; the fixtures have the generated types where the schema has the route.
 */
import { http, HttpResponse } from "msw";
import type { Booking, CheckinAccepted, CheckinCount, Ticket } from "../lib/api-types";
import { problem } from "./fixtures";

export function aTicket(booking: Booking, overrides: Partial<Ticket> = {}): Ticket {
  return {
    code: "TCK-7Q4M-2ZP9",
    booking_id: booking.id,
    event_id: booking.event_id,
    ticket_type_id: booking.ticket_type_id,
    ticket_type_name: "General admission",
    event_name: "Bolt Live",
    starts_at: "2030-06-01T19:00:00Z",
    checked_in_at: null,
    ...overrides,
  };
}

export const QR_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 21 21"><rect width="7" height="7"/></svg>';

/** Defaults for the organiser's page: nothing reserved, paid or scanned yet. */
export const checkoutDefaults = [
  http.get("*/api/events/:eventId/checkins", ({ params }) =>
    HttpResponse.json({ event_id: String(params.eventId), issued: 0, checked_in: 0 } satisfies CheckinCount),
  ),
  http.get("*/api/events/:eventId/bookings", () => HttpResponse.json({ items: [], next_cursor: null })),
];

/** The tickets of a booking, their QR codes (SVG) and downloads, for their owner. */
export function ticketHandlers(booking: Booking, tickets: Ticket[]) {
  const known = (code: unknown) => tickets.some((t) => t.code === code);
  const file = (body: string, type: string) => (code: unknown) =>
    known(code)
      ? new HttpResponse(body, { headers: { "Content-Type": type } })
      : HttpResponse.json(problem("not-found", 404), { status: 404 });
  const svg = file(QR_SVG, "image/svg+xml");
  const png = file("PNG", "image/png");
  const pdf = file("%PDF-1.7", "application/pdf");
  return [
    http.get(`*/api/bookings/${booking.id}/tickets`, () => HttpResponse.json(tickets)),
    http.get("*/api/tickets/:code/qr.svg", ({ params }) => svg(params.code)),
    http.get("*/api/tickets/:code/qr.png", ({ params }) => png(params.code)),
    http.get("*/api/tickets/:code/ticket.pdf", ({ params }) => pdf(params.code)),
  ];
}

/** A door that knows these tickets: valid once, then 409 with the time of the first scan. */
export function checkinHandlers(tickets: Ticket[], options: { void?: string[]; firstScanAt?: string } = {}) {
  const scanned = new Map<string, string>();
  return [
    http.post("*/api/checkin", async ({ request }) => {
      const { code } = (await request.json()) as { code: string };
      const ticket = tickets.find((t) => t.code === code);
      if (!ticket) return HttpResponse.json(problem("unknown-ticket", 404), { status: 404 });
      if (options.void?.includes(code)) return HttpResponse.json(problem("ticket-void", 409), { status: 409 });
      const first = scanned.get(code);
      if (first) {
        return HttpResponse.json({ ...problem("already-checked-in", 409), checked_in_at: first }, { status: 409 });
      }
      const at = options.firstScanAt ?? "2030-06-01T18:30:05Z";
      scanned.set(code, at);
      return HttpResponse.json({
        code,
        event_id: ticket.event_id,
        ticket_type_id: ticket.ticket_type_id,
        ticket_type_name: ticket.ticket_type_name,
        checked_in_at: at,
      } satisfies CheckinAccepted);
    }),
  ];
}
