import { afterEach, describe, expect, it } from "vitest";
import { observeServerDate, resetServerClock, serverNow } from "./server-clock";

afterEach(() => resetServerClock());

describe("server clock", () => {
  it("follows a server that is well ahead or behind", () => {
    const now = Date.now();
    observeServerDate(new Date(now + 30_000).toUTCString(), now);
    expect(serverNow() - Date.now()).toBeGreaterThan(28_000);
    observeServerDate(new Date(now - 10_000).toUTCString(), now);
    expect(serverNow() - Date.now()).toBeLessThan(-8_000);
  });

  it("ignores differences within the Date header's resolution, and bad headers", () => {
    const now = Date.now();
    observeServerDate(new Date(now + 700).toUTCString(), now);
    expect(Math.abs(serverNow() - Date.now())).toBeLessThan(50);
    observeServerDate("not a date", now);
    observeServerDate(null, now);
    expect(Math.abs(serverNow() - Date.now())).toBeLessThan(50);
  });
});
