import type { Booking, Event, TicketType, User, WaitingRoomOverview, WaitingRoomPlace } from "../lib/api-types";

let counter = 0;
/** Deterministic UUID-shaped ids for tests. */
export function uuid(): string {
  counter += 1;
  return `00000000-0000-4000-8000-${String(counter).padStart(12, "0")}`;
}

export function aUser(overrides: Partial<User> = {}): User {
  return { id: uuid(), email: "buyer@example.com", role: "customer", created_at: "2026-01-01T10:00:00Z", ...overrides };
}

export function aTicketType(eventId: string, overrides: Partial<TicketType> = {}): TicketType {
  return {
    id: uuid(),
    event_id: eventId,
    name: "General admission",
    price_cents: 4500,
    currency: "EUR",
    capacity: 100,
    per_user_limit: 4,
    remaining: 100,
    ...overrides,
  };
}

export function anEvent(overrides: Partial<Omit<Event, "ticket_types">> = {}, ticketTypes?: Array<Partial<TicketType>>): Event {
  const id = overrides.id ?? uuid();
  return {
    id,
    name: "Bolt Live",
    venue: "Arena",
    starts_at: "2030-06-01T19:00:00Z",
    sale_starts_at: null,
    created_at: "2026-01-01T10:00:00Z",
    payment_window_seconds: 600,
    refunds_until: null,
    ...overrides,
    ticket_types: (ticketTypes ?? [{}]).map((t) => aTicketType(id, t)),
  };
}

export function aBooking(event: Event, overrides: Partial<Booking> = {}): Booking {
  const ticketType = event.ticket_types[0]!;
  const quantity = overrides.quantity ?? 2;
  return {
    id: uuid(),
    event_id: event.id,
    ticket_type_id: ticketType.id,
    quantity,
    unit_price_cents: ticketType.price_cents,
    currency: ticketType.currency,
    total_cents: ticketType.price_cents * quantity,
    status: "reserved",
    reason: null,
    created_at: "2026-01-02T10:00:00Z",
    expires_at: null,
    payment_id: null,
    ...overrides,
  };
}

export function problem(slug: string, status: number, detail?: string) {
  return { type: `/problems/${slug}`, title: slug.replace(/-/g, " "), status, detail: detail ?? slug };
}

export function aPlace(overrides: Partial<WaitingRoomPlace> = {}): WaitingRoomPlace {
  return {
    state: "waiting",
    number: 10,
    now_serving: 0,
    position: 10,
    estimated_wait_seconds: 60,
    pass: null,
    pass_expires_at: null,
    ...overrides,
  };
}

export function aRoomOverview(eventId: string, overrides: Partial<WaitingRoomOverview> = {}): WaitingRoomOverview {
  return {
    event_id: eventId,
    opens_at: "2030-06-01T09:00:00Z",
    admit_per_minute: 120,
    pass_ttl_seconds: 600,
    automatic_factor: 1,
    enabled: true,
    offer_ttl_seconds: null,
    state: "waiting",
    now_serving: 40,
    numbered: 100,
    pre_queued: 0,
    waiting: 60,
    bought: 25,
    measured_admit_per_minute: 118.5,
    ...overrides,
  };
}
