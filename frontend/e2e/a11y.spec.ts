import { ApiSession, expect, expectNoSeriousViolations, screenshot, test } from "./support";

test.describe("accessibility and small screens", () => {
  test("main pages have no serious or critical axe violations", async ({ browser, admin }) => {
    const event = await admin.createEvent({
      ticket_types: [
        { name: "Standing", price_cents: 4500, currency: "EUR", capacity: 100, per_user_limit: 4 },
        { name: "VIP", price_cents: 15000, currency: "EUR", capacity: 10, per_user_limit: 2 },
      ],
    });
    const later = await admin.createEvent({ sale_starts_at: new Date(Date.now() + 3_600_000).toISOString() });
    const buyer = await ApiSession.register();
    const context = await browser.newContext();
    const page = await context.newPage();

    for (const [path, label] of [
      ["/login", "log-in"],
      ["/register", "registration"],
      ["/nowhere", "not found"],
    ] as const) {
      await page.goto(path);
      await expect(page.locator("h1")).toBeVisible();
      await expectNoSeriousViolations(page, label);
    }
    await screenshot(page, "login");

    await buyer.signIn(context);
    await page.goto("/");
    await expect(page.getByTestId("event-card").first()).toBeVisible();
    await expectNoSeriousViolations(page, "events list");

    await page.goto(`/events/${later.id}`);
    await expect(page.getByTestId("sale-countdown")).toBeVisible();
    await expectNoSeriousViolations(page, "event page with countdown");

    await page.goto(`/events/${event.id}`);
    await page.getByRole("button", { name: "Buy now" }).first().click();
    await expect(page.getByTestId("booking-status")).toHaveAttribute("data-status", "reserved");
    await expectNoSeriousViolations(page, "event page after a purchase");
    await screenshot(page, "event-page");

    await context.setOffline(true);
    await expect(page.getByTestId("stale-badge").first()).toBeVisible();
    await expectNoSeriousViolations(page, "event page while reconnecting");
    await context.setOffline(false);

    await page.goto("/bookings");
    await expect(page.getByTestId("booking-row").first()).toBeVisible();
    await expectNoSeriousViolations(page, "my bookings");

    const adminContext = await browser.newContext();
    await admin.signIn(adminContext);
    const adminPage = await adminContext.newPage();
    await adminPage.goto("/admin/events/new");
    await expect(adminPage.getByRole("heading", { level: 1, name: "Create event" })).toBeVisible();
    await expectNoSeriousViolations(adminPage, "create event");
    await adminPage.getByRole("button", { name: "Create event" }).click();
    await expect(adminPage.getByRole("alert")).toBeVisible();
    await expectNoSeriousViolations(adminPage, "create event with errors");
    await adminPage.goto(`/admin/events/${event.id}`);
    await expect(adminPage.getByTestId("live-badge")).toBeVisible();
    await expectNoSeriousViolations(adminPage, "sales view");
    await adminPage.goto("/admin");
    await expectNoSeriousViolations(adminPage, "organiser home");

    await context.close();
    await adminContext.close();
  });

  test("the purchase works with the keyboard alone", async ({ browser, admin }) => {
    const event = await admin.createEvent();
    const buyer = await ApiSession.register();
    const context = await browser.newContext();
    await buyer.signIn(context);
    const page = await context.newPage();
    await page.goto(`/events/${event.id}`);
    await expect(page.getByTestId("live-badge")).toBeVisible();
    const quantity = page.getByLabel("Quantity");
    await quantity.focus();
    await page.keyboard.press("ArrowDown"); // 2
    await page.keyboard.press("Tab");
    await expect(page.getByRole("button", { name: "Buy now" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("booking-status")).toHaveAttribute("data-status", "reserved");
    await expect(page.getByTestId("booking-status")).toContainText("2 × Standing");
    await context.close();
  });

  test("pages fit a 375 px wide phone", async ({ browser, admin }) => {
    const event = await admin.createEvent({
      ticket_types: [
        { name: "Standing with a rather long ticket type name", price_cents: 4500, currency: "EUR", capacity: 1000, per_user_limit: 4 },
      ],
    });
    const buyer = await ApiSession.register();
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await buyer.signIn(context);
    const page = await context.newPage();
    for (const [path, name] of [
      ["/", "mobile-events"],
      [`/events/${event.id}`, "mobile-event"],
      ["/bookings", "mobile-bookings"],
    ] as const) {
      await page.goto(path);
      await expect(page.locator("h1")).toBeVisible();
      if (path.startsWith("/events/")) await expect(page.getByTestId("live-badge")).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
      await screenshot(page, name);
    }
    await page.goto(`/events/${event.id}`);
    await page.getByRole("button", { name: "Buy now" }).tap();
    await expect(page.getByTestId("booking-status")).toHaveAttribute("data-status", "reserved");
    await screenshot(page, "mobile-event-reserved");

    const adminContext = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    await admin.signIn(adminContext);
    const adminPage = await adminContext.newPage();
    for (const [path, name] of [
      ["/admin/events/new", "mobile-admin-create"],
      [`/admin/events/${event.id}`, "mobile-admin-sales"],
    ] as const) {
      await adminPage.goto(path);
      await expect(adminPage.locator("h1")).toBeVisible();
      const overflow = await adminPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
      await screenshot(adminPage, name);
    }
    await context.close();
    await adminContext.close();
  });
});
