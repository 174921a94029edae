import type { Page } from "@playwright/test";
import type { WaitingRoomPlace } from "../src/lib/api-types";
import { ApiSession, expect, expectNoSeriousViolations, screenshot, test } from "./support";

/** A successful purchase's status: the tickets here are priced, so they are held until paid. */
const BOUGHT_STATUS = "reserved";

async function expectBought(page: Page): Promise<void> {
  await expect(page.getByTestId("booking-status")).toHaveAttribute("data-status", BOUGHT_STATUS, { timeout: 60_000 });
}

/** Every value the position shows, in order, recorded in the page so no short-lived one is missed. */
async function recordPositions(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { positions: number[] }).positions = seen;
    const record = () => {
      const text = document.querySelector("[data-testid=room-position]")?.textContent;
      const value = text ? Number(text.replace(/\D/g, "")) : null;
      if (value !== null && seen.at(-1) !== value) seen.push(value);
    };
    record();
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { positions: number[] }).positions);
}

async function join(session: ApiSession, eventId: string): Promise<WaitingRoomPlace> {
  const { status, body } = await session.request<WaitingRoomPlace>("POST", `/api/events/${eventId}/waiting-room/join`);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

test.describe("the waiting room", () => {
  test("join before the start, count down live, get in, buy; the next in line sees the sell-out", async ({ browser, admin }) => {
    test.setTimeout(300_000);
    // Accounts first: on a busy machine registering takes a while, and the time before the
    // sale starts is for the joins.
    const [buyer, later, ...others] = await Promise.all(Array.from({ length: 9 }, () => ApiSession.register()));
    const early = others.slice(0, 3);
    const behind = others.slice(3);
    const contexts = await Promise.all([browser.newContext(), browser.newContext()]);
    await buyer!.signIn(contexts[0]!);
    await later!.signIn(contexts[1]!);
    const [page, laterPage] = await Promise.all(contexts.map((c) => c.newPage()));

    const saleStartsAt = new Date(Date.now() + 30_000);
    const event = await admin.createEvent({
      sale_starts_at: saleStartsAt.toISOString(),
      ticket_types: [{ name: "Standing", price_cents: 4500, currency: "EUR", capacity: 1, per_user_limit: 1 }],
    });
    // One buyer every 5 s: each position stays on screen long enough to be seen.
    const room = await admin.request("PUT", `/api/events/${event.id}/waiting-room`, {
      opens_at: new Date().toISOString(),
      admit_per_minute: 12,
      pass_ttl_seconds: 600,
    });
    expect(room.status, JSON.stringify(room.body)).toBe(200);

    // Before the start: the browser's buyer joins from the event page, with three others.
    await page!.goto(`/events/${event.id}`);
    await expect(page!.getByText(/This sale has a waiting room/)).toBeVisible();
    await page!.getByRole("link", { name: "Join the waiting room" }).click();
    await expect(page!.getByRole("heading", { name: "You're in the pre-queue" })).toBeVisible();
    for (const session of early) expect((await join(session, event.id)).number).toBeNull();
    expect(Date.now(), "the joins must happen before the sale starts").toBeLessThan(saleStartsAt.getTime());
    await expectNoSeriousViolations(page!, "waiting room, pre-queue");
    await screenshot(page!, "waiting-room-pre-queue");

    // The lottery numbers the pre-queue at the start; then the line moves, live.
    const position = page!.getByTestId("room-position");
    const positions = await recordPositions(page!);
    await expect(position.or(page!.getByRole("heading", { name: "It's your turn" }))).toBeVisible({ timeout: 90_000 });
    // Whoever joins after the start waits behind, in arrival order; the second browser last.
    for (const session of behind) expect((await join(session, event.id)).number).toBeGreaterThan(4);
    await laterPage!.goto(`/events/${event.id}/waiting-room`);
    await expect(laterPage!.getByTestId("room-state")).toHaveAttribute("data-state", "waiting");
    await expect(laterPage!.getByTestId("room-position")).toBeVisible();

    await expect(page!.getByRole("heading", { name: "It's your turn" })).toBeVisible({ timeout: 90_000 });
    const seen = await positions();
    // Counted down one by one to the front, without a reload (numbers 1…4: from at most 4).
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.at(-1)).toBe(1);
    expect(seen).toEqual(Array.from({ length: seen[0]! }, (_, i) => seen[0]! - i));
    await expectNoSeriousViolations(page!, "waiting room, admitted");
    await screenshot(page!, "waiting-room-admitted");

    // Straight into the purchase, with the pass.
    await page!.getByRole("button", { name: "Buy now" }).click();
    await expectBought(page!);

    // The last ticket is gone: the buyer still in line is told, live.
    await expect(laterPage!.getByTestId("room-state")).toHaveAttribute("data-state", "sold_out", { timeout: 30_000 });
    await expect(laterPage!.getByRole("heading", { name: "Sold out" })).toBeVisible();
    await expectNoSeriousViolations(laterPage!, "waiting room, sold out");
    await screenshot(laterPage!, "waiting-room-sold-out");

    // The organiser's live view of the same room.
    const adminContext = await browser.newContext();
    await admin.signIn(adminContext);
    const adminPage = await adminContext.newPage();
    await adminPage.goto(`/admin/events/${event.id}`);
    await expect(adminPage.getByTestId("room-admin-state")).toHaveAttribute("data-state", "sold_out");
    await expect(adminPage.getByTestId("room-bought")).toHaveText("1");
    await expect(adminPage.getByTestId("room-size")).toHaveText("9");
    await expectNoSeriousViolations(adminPage, "organiser's waiting room");
    await screenshot(adminPage, "waiting-room-organiser");

    for (const context of [...contexts, adminContext]) await context.close();
  });
});
