import { describe, expect, it } from "vitest";
import type { WaitingRoomMessage } from "../../lib/realtime/protocol";
import { aPlace } from "../../testing/fixtures";
import { describeWait, livePlace } from "./position";

const feed = (overrides: Partial<WaitingRoomMessage> = {}): WaitingRoomMessage => ({
  type: "waiting_room",
  event_id: "e",
  state: "waiting",
  now_serving: 0,
  admit_per_minute: 60,
  ...overrides,
});

describe("livePlace", () => {
  it("computes position and wait from the broadcast's now_serving and rate", () => {
    const place = aPlace({ number: 50, now_serving: 10, position: 40, estimated_wait_seconds: 2400 });
    expect(livePlace(place, feed({ now_serving: 30, admit_per_minute: 120 }))).toEqual({
      state: "waiting",
      number: 50,
      position: 20,
      estimatedWaitSeconds: 10,
    });
  });

  it("is admitted once now_serving reaches the number", () => {
    const place = aPlace({ number: 50, now_serving: 10 });
    expect(livePlace(place, feed({ now_serving: 50 })).state).toBe("admitted");
    expect(livePlace(place, feed({ now_serving: 49 })).position).toBe(1);
  });

  it("ignores a broadcast older than the place", () => {
    const place = aPlace({ number: 50, now_serving: 20, position: 30, estimated_wait_seconds: 30 });
    expect(livePlace(place, feed({ now_serving: 5 }))).toMatchObject({ position: 30, estimatedWaitSeconds: 30 });
  });

  it("waits for the lottery while the place has no number", () => {
    const place = aPlace({ number: null, position: null, estimated_wait_seconds: null });
    expect(livePlace(place, undefined).state).toBe("lottery");
    expect(livePlace(place, feed({ now_serving: 3 })).state).toBe("lottery");
  });

  it("follows the room into sold out and closed, but an admitted buyer keeps their turn", () => {
    const place = aPlace({ number: 50 });
    expect(livePlace(place, feed({ state: "sold_out", now_serving: 20 }))).toMatchObject({ state: "sold_out", position: 30 });
    expect(livePlace(place, feed({ state: "closed", now_serving: 20 })).state).toBe("closed");
    const admitted = aPlace({ state: "admitted", number: 5, position: 0, pass: "p" });
    expect(livePlace(admitted, feed({ state: "sold_out", now_serving: 20 })).state).toBe("admitted");
  });

  it("has no wait estimate without a rate", () => {
    expect(livePlace(aPlace({ number: 9 }), feed({ admit_per_minute: null })).estimatedWaitSeconds).toBeNull();
  });
});

describe("describeWait", () => {
  it.each([
    [null, "not known yet"],
    [20, "less than a minute"],
    [60, "about 1 minute"],
    [150, "about 3 minutes"],
    [3900, "about 1 hour 5 minutes"],
    [7200, "about 2 hours"],
  ])("%s s -> %s", (seconds, text) => expect(describeWait(seconds)).toBe(text));
});
