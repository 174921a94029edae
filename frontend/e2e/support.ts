import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";
import { test as base, type BrowserContext, expect, type Page } from "@playwright/test";
import type { Booking, BookingPage, Event, EventCreateBody } from "../src/lib/api-types";

export { expect };

export const screenshotsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "test-results", "screenshots");
mkdirSync(screenshotsDir, { recursive: true });

export function baseURL(): string {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error("E2E_BASE_URL is not set: the global setup starts the server");
  return url;
}

export const ADMIN = { email: "admin@example.com", password: "admin-pass-123" };

/** A signed-in HTTP session from node, for seeding data through the public API. */
export class ApiSession {
  constructor(readonly cookie: string) {}

  static async register(email = `buyer-${randomUUID()}@example.com`, password = "buyer-pass-123") {
    const response = await fetch(`${baseURL()}/api/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    if (response.status !== 201) throw new Error(`register: ${response.status} ${await response.text()}`);
    return ApiSession.login(email, password);
  }

  static async login(email: string, password: string): Promise<ApiSession> {
    const response = await fetch(`${baseURL()}/api/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    if (response.status !== 200) throw new Error(`login: ${response.status} ${await response.text()}`);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith("bolt_session="));
    if (!cookie) throw new Error("login set no bolt_session cookie");
    return new ApiSession(cookie.split(";")[0]!.slice("bolt_session=".length));
  }

  static admin(): Promise<ApiSession> {
    return ApiSession.login(ADMIN.email, ADMIN.password);
  }

  async request<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${baseURL()}${url}`, {
      method,
      headers: {
        // No browser: the token goes as a bearer token, since a write authenticated by the
        // cookie alone must come from the page itself (docs/security.md, "Hardening").
        Authorization: `Bearer ${this.cookie}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async createEvent(overrides: Partial<EventCreateBody> = {}): Promise<Event> {
    const body: EventCreateBody = {
      name: `E2E ${randomUUID().slice(0, 8)}`,
      venue: "Test Hall",
      starts_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      sale_starts_at: null,
      ticket_types: [{ name: "Standing", price_cents: 4500, currency: "EUR", capacity: 10, per_user_limit: 4 }],
      payment_window_seconds: 600,
      ...overrides,
    };
    const { status, body: event } = await this.request<Event>("POST", "/api/events", body);
    if (status !== 201) throw new Error(`create event: ${status} ${JSON.stringify(event)}`);
    return event;
  }

  async book(ticketTypeId: string, quantity = 1) {
    return this.request<{ booking_id: string }>(
      "POST",
      "/api/bookings",
      { ticket_type_id: ticketTypeId, quantity },
      { "Idempotency-Key": randomUUID() },
    );
  }

  async bookings(): Promise<Booking[]> {
    const { body } = await this.request<BookingPage>("GET", "/api/bookings?limit=100");
    return body.items;
  }

  async event(eventId: string): Promise<Event> {
    return (await this.request<Event>("GET", `/api/events/${eventId}`)).body;
  }

  /** Waits until the worker has settled every booking of this session. */
  async settledBookings(timeoutMs = 10_000): Promise<Booking[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const items = await this.bookings();
      if (items.every((b) => b.status !== "pending") || Date.now() > deadline) return items;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Puts this session's cookie into a browser context. */
  async signIn(context: BrowserContext): Promise<void> {
    await context.addCookies([
      { name: "bolt_session", value: this.cookie, url: baseURL(), httpOnly: true, sameSite: "Strict" },
    ]);
  }
}

/**
 * From now on, GETs of events and bookings fail: a number that changes after this
 * can only have come over the WebSocket. Returns the blocked requests.
 */
export async function blockPolling(page: Page): Promise<string[]> {
  const blocked: string[] = [];
  await page.route(
    (url) => /^\/api\/(events|bookings)(\/|$|\?)/.test(url.pathname),
    (route) => {
      if (route.request().method() !== "GET") return route.continue();
      blocked.push(route.request().url());
      return route.abort("connectionrefused");
    },
  );
  return blocked;
}

export function remaining(page: Page, ticketTypeId: string) {
  return page.getByTestId(`remaining-${ticketTypeId}`);
}

/** A live (not stale) remaining count with this value. */
export async function expectRemaining(page: Page, ticketTypeId: string, value: number): Promise<void> {
  const count = remaining(page, ticketTypeId);
  await expect(count).toHaveAttribute("data-remaining", String(value));
  await expect(count).toHaveAttribute("data-stale", "false");
  await expect(count).toContainText(value === 0 ? "Sold out" : `${value} left`);
}

/** The card of an event on the list, paging with "More events" as a buyer would. */
export async function findEventCard(page: Page, name: string) {
  const card = page.getByTestId("event-card").filter({ hasText: name });
  const more = page.getByRole("button", { name: "More events" });
  await expect(page.getByTestId("event-card").first()).toBeVisible();
  for (let pageNo = 0; pageNo < 50 && (await card.count()) === 0; pageNo += 1) {
    if ((await more.count()) === 0) break;
    await more.click();
    await expect(page.getByRole("button", { name: "Loading…" })).toHaveCount(0);
  }
  await expect(card).toBeVisible();
  return card;
}

export async function expectNoSeriousViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const summary = serious.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(summary, `axe on ${label}`).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshotsDir, `${name}.png`), fullPage: true });
}

export const test = base.extend<{ admin: ApiSession }>({
  baseURL: async ({}, use) => {
    await use(baseURL());
  },
  admin: async ({}, use) => {
    await use(await ApiSession.admin());
  },
});
