import { ADMIN, ApiSession, expect, expectRemaining, findEventCard, screenshot, test } from "./support";

test.describe("organiser", () => {
  test("an admin creates an event in the UI; buyers see it; the sales view counts live", async ({ browser }) => {
    const adminContext = await browser.newContext();
    const page = await adminContext.newPage();
    await page.goto("/login?next=/admin/events/new");
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Create event" })).toBeVisible();

    const name = `UI Event ${Date.now()}`;
    await page.getByLabel("Event name").fill(name);
    await page.getByLabel("Venue").fill("Main Stage");
    await page.getByLabel("Event starts at").fill("2031-05-01T20:00");
    const first = page.getByRole("group", { name: "Ticket type 1" });
    await first.getByLabel("Name").fill("Early bird");
    await first.getByLabel("Price").fill("19.50");
    await first.getByLabel("Capacity").fill("30");
    await first.getByLabel("Per-person limit").fill("3");
    await page.getByRole("button", { name: "Add ticket type" }).click();
    const second = page.getByRole("group", { name: "Ticket type 2" });
    await second.getByLabel("Name").fill("VIP");
    await second.getByLabel("Price").fill("99");
    await second.getByLabel("Capacity").fill("5");
    await screenshot(page, "admin-create-event");
    await page.getByRole("button", { name: "Create event" }).click();

    await expect(page.getByRole("heading", { level: 1, name: `Sales: ${name}` })).toBeVisible();
    await expect(page.getByTestId("live-badge")).toBeVisible();
    await expect(page.getByTestId("total-remaining")).toHaveText("35");

    // A buyer finds it on the events list and it is what the admin entered.
    const buyerContext = await browser.newContext();
    const buyerPage = await buyerContext.newPage();
    await buyerPage.goto("/");
    await (await findEventCard(buyerPage, name)).getByRole("link", { name }).click();
    await expect(buyerPage.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(buyerPage.getByText("€19.50", { exact: true })).toBeVisible();
    await expect(buyerPage.getByText("€99.00", { exact: true })).toBeVisible();
    const eventId = new URL(buyerPage.url()).pathname.split("/").pop()!;

    // Sales show up live in the organiser's view.
    const buyer = await ApiSession.register();
    const event = await buyer.event(eventId);
    const early = event.ticket_types.find((t) => t.name === "Early bird")!;
    expect(early.per_user_limit).toBe(3);
    expect((await buyer.book(early.id, 3)).status).toBe(202);
    await expect(page.getByTestId("total-sold")).toHaveText("3");
    await expect(page.getByTestId(`sold-${early.id}`)).toHaveText("3");
    await expectRemaining(page, early.id, 27);
    await expect(page.getByTestId("total-rate")).not.toHaveText("0");
    await screenshot(page, "admin-sales");
    await expectRemaining(buyerPage, early.id, 27);

    await adminContext.close();
    await buyerContext.close();
  });
});
