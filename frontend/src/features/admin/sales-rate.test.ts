import { describe, expect, it } from "vitest";
import { SalesRateTracker } from "./sales-rate";

const inv = (ticketTypeId: string, remaining: number, version: number) =>
  ({ type: "inventory", event_id: "e1", ticket_type_id: ticketTypeId, remaining, version }) as const;

describe("SalesRateTracker", () => {
  it("derives tickets per second from drops in remaining over the window", () => {
    const tracker = new SalesRateTracker("e1", 10_000, 0);
    tracker.record({ type: "snapshot", event_id: "e1", version: 1, ticket_types: [{ id: "a", remaining: 100 }] }, 0);
    tracker.record(inv("a", 90, 2), 1000);
    tracker.record(inv("a", 70, 3), 2000);
    tracker.record(inv("b", 5, 1), 2000); // first sight of b: baseline only
    tracker.record(inv("b", 3, 2), 3000);
    const at10 = tracker.rates(10_000);
    expect(at10.byTicketType.get("a")).toBeCloseTo(3); // 30 tickets / 10 s
    expect(at10.byTicketType.get("b")).toBeCloseTo(0.2);
    expect(at10.total).toBeCloseTo(3.2);
    // Sales older than the window drop out.
    expect(tracker.rates(12_500).byTicketType.get("a")).toBeUndefined();
  });

  it("uses the time watched so far while the window is not yet full", () => {
    const tracker = new SalesRateTracker("e1", 10_000, 0);
    tracker.record(inv("a", 10, 1), 100);
    tracker.record(inv("a", 6, 2), 500);
    expect(tracker.rates(2000).total).toBeCloseTo(2);
  });

  it("ignores other events and counts cancellations as negative", () => {
    const tracker = new SalesRateTracker("e1", 10_000, 0);
    tracker.record({ ...inv("a", 1, 1), event_id: "e2" }, 0);
    tracker.record(inv("a", 10, 1), 0);
    tracker.record(inv("a", 12, 2), 1000);
    expect(tracker.rates(10_000).total).toBeCloseTo(-0.2);
  });
});
