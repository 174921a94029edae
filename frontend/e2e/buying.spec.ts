import { ApiSession, blockPolling, expect, expectRemaining, screenshot, test } from "./support";

test.describe("buying", () => {
  test("a buyer registers, buys and sees the booking reserved; a watcher sees the count drop", async ({
    browser,
    admin,
  }) => {
    const event = await admin.createEvent({
      ticket_types: [{ name: "Standing", price_cents: 4500, currency: "EUR", capacity: 10, per_user_limit: 4 }],
    });
    const tt = event.ticket_types[0]!;

    // The watcher: a visitor with the event open.
    const watcherContext = await browser.newContext();
    const watcher = await watcherContext.newPage();
    await watcher.goto(`/events/${event.id}`);
    await expectRemaining(watcher, tt.id, 10);
    await expect(watcher.getByTestId("live-badge")).toBeVisible();
    const watcherBlocked = await blockPolling(watcher);

    // The buyer registers through the UI and lands back on the event.
    const buyerContext = await browser.newContext();
    const buyer = await buyerContext.newPage();
    await buyer.goto(`/register?next=${encodeURIComponent(`/events/${event.id}`)}`);
    await buyer.getByLabel("Email").fill(`e2e-${Date.now()}@example.com`);
    await buyer.getByLabel("Password").fill("buyer-pass-123");
    await screenshot(buyer, "register");
    await buyer.getByRole("button", { name: "Create account" }).click();
    await expect(buyer.getByRole("heading", { level: 1, name: event.name })).toBeVisible();
    await expect(buyer.getByTestId("live-badge")).toBeVisible();
    const buyerBlocked = await blockPolling(buyer);

    await buyer.getByLabel("Quantity").selectOption("2");
    await buyer.getByRole("button", { name: "Buy now" }).click();
    const status = buyer.getByTestId("booking-status");
    await expect(status).toHaveAttribute("data-status", "reserved");
    await expect(status).toContainText("Reserved! 2 × Standing held for you — pay €90.00 before the time runs out.");
    await expectRemaining(buyer, tt.id, 8);
    await screenshot(buyer, "event-reserved");

    // Only the socket could have told the watcher.
    await expectRemaining(watcher, tt.id, 8);
    await screenshot(watcher, "event-watcher");
    expect(watcherBlocked).toEqual([]);
    expect(buyerBlocked).toEqual([]);

    // My bookings shows it, and it can be cancelled; the count goes back up.
    await buyer.unrouteAll({ behavior: "ignoreErrors" });
    await buyer.getByRole("link", { name: "My bookings" }).first().click();
    const row = buyer.getByTestId("booking-row");
    await expect(row).toHaveAttribute("data-status", "reserved");
    await expect(row).toContainText(event.name);
    await screenshot(buyer, "my-bookings");
    await row.getByRole("button", { name: "Cancel booking" }).click();
    await expect(row).toHaveAttribute("data-status", "cancelled");
    await expectRemaining(watcher, tt.id, 10);

    await watcherContext.close();
    await buyerContext.close();
  });

  test("two buyers race for the last ticket: exactly one wins and both end at sold out", async ({ browser, admin }) => {
    const event = await admin.createEvent({
      ticket_types: [{ name: "Last one", price_cents: 1000, currency: "EUR", capacity: 1, per_user_limit: 1 }],
    });
    const tt = event.ticket_types[0]!;
    const sessions = await Promise.all([ApiSession.register(), ApiSession.register()]);
    const pages = await Promise.all(
      sessions.map(async (session) => {
        const context = await browser.newContext();
        await session.signIn(context);
        const page = await context.newPage();
        await page.goto(`/events/${event.id}`);
        await expect(page.getByTestId("live-badge")).toBeVisible();
        await expect(page.getByRole("button", { name: "Buy now" })).toBeEnabled();
        await blockPolling(page);
        return page;
      }),
    );

    await Promise.all(pages.map((page) => page.getByRole("button", { name: "Buy now" }).click()));

    // Each page ends with an outcome: reserved, or sold out (inline 409 or a rejection).
    for (const page of pages) {
      await expect(
        page.getByTestId("purchase-status").locator('[data-status="reserved"], [data-status="rejected"], [data-problem="sold-out"]'),
      ).toBeVisible();
      await expectRemaining(page, tt.id, 0);
      await expect(page.getByRole("button", { name: "Sold out" })).toBeDisabled();
    }
    const reservedOnPages = await Promise.all(
      pages.map((page) => page.locator('[data-testid="booking-status"][data-status="reserved"]').count()),
    );
    expect(reservedOnPages.reduce((a, b) => a + b, 0)).toBe(1);

    const outcomes = (await Promise.all(sessions.map((s) => s.settledBookings()))).flat();
    expect(outcomes.filter((b) => b.status === "reserved")).toHaveLength(1);
    await screenshot(pages[0]!, "race-a");
    await screenshot(pages[1]!, "race-b");
    await Promise.all(pages.map((page) => page.context().close()));
  });

  test("a double click books once", async ({ browser, admin }) => {
    const event = await admin.createEvent();
    const session = await ApiSession.register();
    const context = await browser.newContext();
    await session.signIn(context);
    const page = await context.newPage();
    await page.goto(`/events/${event.id}`);
    const posts: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && new URL(request.url()).pathname === "/api/bookings") {
        posts.push(request.headers()["idempotency-key"] ?? "");
      }
    });
    await page.getByRole("button", { name: "Buy now" }).dblclick();
    await expect(page.getByTestId("booking-status")).toHaveAttribute("data-status", "reserved");
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatch(/^[0-9a-f-]{36}$/);
    const bookings = await session.settledBookings();
    expect(bookings).toHaveLength(1);
    expect(bookings[0]!.quantity).toBe(1);
    await context.close();
  });

  test("the countdown enables Buy now by itself when the sale opens", async ({ browser, admin }) => {
    const event = await admin.createEvent({ sale_starts_at: new Date(Date.now() + 5_000).toISOString() });
    const session = await ApiSession.register();
    const context = await browser.newContext();
    await session.signIn(context);
    const page = await context.newPage();
    await page.goto(`/events/${event.id}`);
    const buy = page.getByRole("button", { name: "Buy now" });
    await expect(page.getByTestId("sale-countdown")).toContainText(/Sale opens in 00:0\d/);
    await expect(buy).toBeDisabled();
    await screenshot(page, "event-countdown");
    const blocked = await blockPolling(page);
    await expect(buy).toBeEnabled({ timeout: 10_000 });
    await expect(page.getByTestId("sale-countdown")).toHaveCount(0);
    await buy.click();
    await expect(page.getByTestId("booking-status")).toHaveAttribute("data-status", "reserved");
    expect(blocked).toEqual([]);
    await context.close();
  });

  test("the per-person limit is explained inline", async ({ browser, admin }) => {
    const event = await admin.createEvent({
      ticket_types: [{ name: "Limited", price_cents: 500, currency: "EUR", capacity: 10, per_user_limit: 2 }],
    });
    const session = await ApiSession.register();
    const context = await browser.newContext();
    await session.signIn(context);
    const page = await context.newPage();
    await page.goto(`/events/${event.id}`);
    await page.getByLabel("Quantity").selectOption("2");
    await page.getByRole("button", { name: "Buy now" }).click();
    await expect(page.getByTestId("booking-status")).toHaveAttribute("data-status", "reserved");
    await page.getByLabel("Quantity").selectOption("1");
    await page.getByRole("button", { name: "Buy now" }).click();
    await expect(page.getByTestId("purchase-status")).toContainText("Limit reached — you can buy at most 2");
    await screenshot(page, "event-limit-reached");
    await context.close();
  });

  test("a 503 is retried after Retry-After with the same Idempotency-Key", async ({ browser, admin }) => {
    const event = await admin.createEvent();
    const session = await ApiSession.register();
    const context = await browser.newContext();
    await session.signIn(context);
    const page = await context.newPage();
    await page.goto(`/events/${event.id}`);
    const keys: string[] = [];
    await page.route("**/api/bookings", async (route) => {
      const request = route.request();
      if (request.method() !== "POST") return route.continue();
      keys.push(request.headers()["idempotency-key"] ?? "");
      if (keys.length === 1) {
        return route.fulfill({
          status: 503,
          headers: { "Retry-After": "1", "Content-Type": "application/problem+json" },
          body: JSON.stringify({
            type: "/problems/queue-unavailable",
            title: "Queue unavailable",
            status: 503,
            detail: "The booking queue is unavailable; retry later.",
          }),
        });
      }
      return route.continue();
    });
    await page.getByRole("button", { name: "Buy now" }).click();
    await expect(page.getByTestId("purchase-status")).toContainText("Busy — retrying in 1 s…");
    await expect(page.getByRole("button", { name: "Booking…" })).toBeDisabled();
    await expect(page.getByTestId("booking-status")).toHaveAttribute("data-status", "reserved");
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(await session.settledBookings()).toHaveLength(1);
    await context.close();
  });
});
