import { http, HttpResponse } from "msw";
import { checkoutDefaults } from "./checkout-handlers";
import { problem } from "./fixtures";

/** Defaults every test starts from: a visitor, no events, no waiting rooms or lists. Tests override per case. */
export const handlers = [
  http.get("*/api/auth/me", () => HttpResponse.json(problem("unauthorized", 401), { status: 401 })),
  http.post("*/api/auth/refresh", () => HttpResponse.json(problem("invalid-refresh-token", 401), { status: 401 })),
  http.get("*/api/events", () => HttpResponse.json({ items: [], next_cursor: null })),
  http.get("*/api/events/:eventId/waiting-room", () =>
    HttpResponse.json(problem("not-found", 404, "The event has no waiting room."), { status: 404 }),
  ),
  http.get("*/api/events/:eventId/waiting-list/me", () => HttpResponse.json({ places: [] })),
  ...checkoutDefaults,
];
