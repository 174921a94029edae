import { describe, expect, it } from "vitest";
import { describeDuration, formatCountdown, formatMoney, minorDigits, toMinorUnits } from "./format";

describe("money", () => {
  it("formats minor units per the currency's own digits", () => {
    expect(minorDigits("EUR")).toBe(2);
    expect(minorDigits("JPY")).toBe(0);
    expect(formatMoney(4500, "EUR")).toMatch(/45\.00/);
    expect(formatMoney(4500, "EUR")).toContain("€");
    expect(formatMoney(4500, "JPY")).toMatch(/4,500/);
    expect(formatMoney(1999, "USD")).toMatch(/\$19\.99/);
  });

  it("parses major units into minor units", () => {
    expect(toMinorUnits("45", "EUR")).toBe(4500);
    expect(toMinorUnits("19,99", "EUR")).toBe(1999);
    expect(toMinorUnits("0.1", "EUR")).toBe(10);
    expect(toMinorUnits("500", "JPY")).toBe(500);
    expect(toMinorUnits("", "EUR")).toBeNaN();
    expect(toMinorUnits("abc", "EUR")).toBeNaN();
  });
});

describe("countdown", () => {
  it("shows minutes and seconds, hours and days when needed", () => {
    expect(formatCountdown(5_000)).toBe("00:05");
    expect(formatCountdown(4_001)).toBe("00:05");
    expect(formatCountdown(3_600_000 + 61_000)).toBe("01:01:01");
    expect(formatCountdown(2 * 86_400_000 + 5_000)).toBe("2d 00:00:05");
    expect(formatCountdown(-10)).toBe("00:00");
  });

  it("describes durations in words", () => {
    expect(describeDuration(65_000)).toBe("1 minute 5 seconds");
    expect(describeDuration(0)).toBe("0 seconds");
  });
});
