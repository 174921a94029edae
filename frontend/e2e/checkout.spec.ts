import { randomUUID } from "node:crypto";
import type { User } from "../src/lib/api-types";
import { ApiSession, expect, screenshot, test } from "./support";

/*
 * Issue 13, end to end in Chromium: buy -> pay with the test provider -> ticket with its QR
 * code -> scan it at the door (manual entry) -> a second scan is refused; and a reservation
 * left unpaid counts down and expires on screen.
 */

async function doorSession(admin: ApiSession): Promise<ApiSession> {
  const email = `door-${randomUUID()}@example.com`;
  const password = "door-pass-123";
  const customer = await ApiSession.register(email, password);
  const { body: me } = await customer.request<User>("GET", "/api/auth/me");
  const { status } = await admin.request("PUT", `/api/admin/users/${me.id}/role`, { role: "door" });
  expect(status).toBe(200);
  // A role change ends the user's sessions: the new role comes with the next log-in.
  return ApiSession.login(email, password);
}

test.describe("checkout, tickets and check-in", () => {
  test("a buyer pays with the test card, gets a ticket with a QR code, and it is admitted once", async ({
    browser,
    admin,
  }) => {
    const event = await admin.createEvent({
      ticket_types: [{ name: "Standing", price_cents: 4500, currency: "EUR", capacity: 10, per_user_limit: 4 }],
      payment_window_seconds: 600,
    });

    const buyerContext = await browser.newContext();
    const buyer = await buyerContext.newPage();
    await (await ApiSession.register()).signIn(buyerContext);
    await buyer.goto(`/events/${event.id}`);
    await buyer.getByRole("button", { name: "Buy now" }).click();
    const status = buyer.getByTestId("booking-status");
    await expect(status).toHaveAttribute("data-status", "reserved");
    await status.getByRole("link", { name: "Pay now" }).click();

    await expect(buyer.getByRole("timer")).toBeVisible();
    await buyer.getByRole("button", { name: "Pay €45.00" }).click();
    await expect(buyer.getByRole("heading", { level: 1, name: "Test payment" })).toBeVisible();
    await buyer.getByLabel("Card number").fill("4242424242424242");
    await buyer.getByRole("button", { name: "Pay", exact: true }).click();
    await expect(buyer.getByTestId("payment-outcome")).toHaveAttribute("data-outcome", "succeeded");
    await expect(buyer.getByTestId("followed-booking")).toHaveAttribute("data-status", "paid");
    await screenshot(buyer, "test-payment-paid");

    await buyer.getByRole("link", { name: "Show my tickets" }).click();
    const ticket = buyer.getByTestId("ticket");
    await expect(ticket).toHaveCount(1);
    const code = (await ticket.getByTestId("ticket-code").textContent())!.trim();
    const qr = ticket.getByRole("img", { name: `QR code of ticket ${code}` });
    await expect(qr).toBeVisible();
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await screenshot(buyer, "ticket");

    const doorContext = await browser.newContext();
    const door = await doorContext.newPage();
    await (await doorSession(admin)).signIn(doorContext);
    await door.goto(`/checkin?event=${event.id}`);
    await expect(door.getByTestId("checkin-count")).toContainText("Checked in: 0 of 1 tickets");
    const result = door.getByTestId("scan-result");

    await door.getByLabel("Ticket code").fill(code);
    await door.getByRole("button", { name: "Check in" }).click();
    await expect(result).toHaveAttribute("data-verdict", "valid");
    await expect(door.getByTestId("checkin-count")).toContainText("Checked in: 1 of 1 tickets");

    await door.getByLabel("Ticket code").fill(code);
    await door.getByRole("button", { name: "Check in" }).click();
    await expect(result).toHaveAttribute("data-verdict", "repeat");
    await expect(result).toContainText("Already checked in at");
    await screenshot(door, "checkin-refused");

    await doorContext.close();
    await buyerContext.close();
  });

  test("a reservation left unpaid counts down and expires on screen", async ({ browser, admin }) => {
    const event = await admin.createEvent({
      ticket_types: [{ name: "Standing", price_cents: 4500, currency: "EUR", capacity: 10, per_user_limit: 4 }],
      payment_window_seconds: 10,
    });
    const buyer = await ApiSession.register();
    const { body } = await buyer.book(event.ticket_types[0]!.id, 2);
    const context = await browser.newContext();
    await buyer.signIn(context);
    const page = await context.newPage();
    await page.goto(`/bookings/${body.booking_id}`);

    const state = page.getByTestId("booking-state");
    await expect(state).toHaveText("Reserved");
    await expect(page.getByRole("timer")).toBeVisible();
    await screenshot(page, "reservation-countdown");
    // The worker expires it after its 10-second window; the page learns it live.
    await expect(state).toHaveText("Expired", { timeout: 60_000 });
    await expect(page.getByText("The time to pay ran out; the tickets went back on sale.")).toBeVisible();
    await expect(page.getByRole("button", { name: /^Pay / })).toHaveCount(0);
    expect((await admin.event(event.id)).ticket_types[0]!.remaining).toBe(10);

    await context.close();
  });
});
