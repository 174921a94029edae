import { ApiSession, blockPolling, expect, expectRemaining, findEventCard, remaining, screenshot, test } from "./support";

test.describe("realtime", () => {
  test("going offline shows stale numbers, and coming back recovers from the snapshot", async ({ browser, admin }) => {
    const event = await admin.createEvent({
      ticket_types: [{ name: "Standing", price_cents: 2500, currency: "EUR", capacity: 20, per_user_limit: 5 }],
    });
    const tt = event.ticket_types[0]!;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`/events/${event.id}`);
    await expectRemaining(page, tt.id, 20);
    const blocked = await blockPolling(page);

    await context.setOffline(true);
    await expect(remaining(page, tt.id)).toHaveAttribute("data-stale", "true");
    await expect(page.getByTestId("stale-badge")).toContainText("Reconnecting…");
    await expect(page.getByTestId("connection-banner")).toContainText("reconnecting");
    await screenshot(page, "event-offline-stale");

    // Sales go on while this page is offline.
    const buyer = await ApiSession.register();
    expect((await buyer.book(tt.id, 3)).status).toBe(202);
    await buyer.settledBookings();

    await context.setOffline(false);
    await expectRemaining(page, tt.id, 17);
    await expect(page.getByTestId("live-badge")).toBeVisible();
    await expect(page.getByTestId("connection-banner")).toHaveText("");
    expect(blocked).toEqual([]);
    await context.close();
  });

  test("the events list follows live counts", async ({ browser, admin }) => {
    const event = await admin.createEvent({
      ticket_types: [
        { name: "Standing", price_cents: 2500, currency: "EUR", capacity: 50, per_user_limit: 10 },
        { name: "Seated", price_cents: 6000, currency: "EUR", capacity: 5, per_user_limit: 2 },
      ],
    });
    const [standing, seated] = event.ticket_types;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto("/");
    const card = await findEventCard(page, event.name);
    await expect(card.getByTestId("live-badge")).toBeVisible();
    const blocked = await blockPolling(page);
    const buyer = await ApiSession.register();
    expect((await buyer.book(standing!.id, 4)).status).toBe(202);
    expect((await buyer.book(seated!.id, 2)).status).toBe(202);
    await expectRemaining(page, standing!.id, 46);
    await expectRemaining(page, seated!.id, 3);
    await screenshot(page, "events-list");
    expect(blocked).toEqual([]);
    await context.close();
  });
});
