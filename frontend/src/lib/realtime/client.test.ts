import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeWebSocket } from "../../testing/fake-websocket";
import { RealtimeClient, type RealtimeMessage } from "./client";

const EVENT = "event-1";
const TT_A = "tt-a";
const TT_B = "tt-b";

function setup(options: { random?: () => number; networkEvents?: EventTarget } = {}) {
  FakeWebSocket.reset();
  const client = new RealtimeClient({
    url: "ws://test/api/realtime",
    WebSocket: FakeWebSocket,
    initialDelayMs: 1000,
    maxDelayMs: 8000,
    random: options.random ?? (() => 0),
    networkEvents: options.networkEvents ?? null,
  });
  const received: RealtimeMessage[] = [];
  client.onMessage((m) => received.push(m));
  client.start();
  return { client, received };
}

const snapshot = (version: number, a = 10, b = 20) => ({
  type: "snapshot",
  event_id: EVENT,
  ticket_types: [
    { id: TT_A, remaining: a },
    { id: TT_B, remaining: b },
  ],
  version,
});
const inventory = (ticketTypeId: string, remaining: number, version: number) => ({
  type: "inventory",
  event_id: EVENT,
  ticket_type_id: ticketTypeId,
  remaining,
  version,
});

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("RealtimeClient: subscriptions", () => {
  it("sends subscriptions made before the socket opened once it opens", () => {
    const { client } = setup();
    client.subscribe(EVENT);
    const socket = FakeWebSocket.latest();
    expect(socket.url).toBe("ws://test/api/realtime");
    expect(socket.sent).toEqual([]);
    socket.open();
    expect(client.getState().status).toBe("connected");
    expect(socket.messages).toEqual([{ type: "subscribe", event_id: EVENT }]);
  });

  it("counts references: one subscribe, and unsubscribe only when the last user leaves", () => {
    const { client } = setup();
    const socket = FakeWebSocket.latest();
    socket.open();
    const first = client.subscribe(EVENT);
    const second = client.subscribe(EVENT);
    expect(socket.messages).toEqual([{ type: "subscribe", event_id: EVENT }]);
    first();
    first(); // releasing twice is harmless
    expect(socket.messages).toHaveLength(1);
    second();
    expect(socket.messages.at(-1)).toEqual({ type: "unsubscribe", event_id: EVENT });
  });

  it("marks an event live only after its snapshot, and feeds the snapshot out", () => {
    const { client, received } = setup();
    client.subscribe(EVENT);
    FakeWebSocket.latest().open();
    expect(client.isLive(EVENT)).toBe(false);
    FakeWebSocket.latest().receive(snapshot(5));
    expect(client.isLive(EVENT)).toBe(true);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ type: "snapshot", event_id: EVENT, version: 5 });
  });

  it("answers the server's ping with a pong", () => {
    setup();
    const socket = FakeWebSocket.latest();
    socket.open();
    socket.receive({ type: "ping" });
    expect(socket.messages).toEqual([{ type: "pong" }]);
  });

  it("ignores malformed frames and messages for events it did not subscribe to", () => {
    const { client, received } = setup();
    client.subscribe(EVENT);
    const socket = FakeWebSocket.latest();
    socket.open();
    socket.receive("not json");
    socket.receive({ type: "inventory", event_id: EVENT });
    socket.receive({ ...inventory(TT_A, 3, 9), event_id: "other-event" });
    expect(received).toEqual([]);
  });

  it("forwards booking messages and server errors", () => {
    const { client, received } = setup();
    const errors: string[] = [];
    client.onServerError((d) => errors.push(d));
    const socket = FakeWebSocket.latest();
    socket.open();
    socket.receive({ type: "booking", booking_id: "b1", status: "reserved", reason: null });
    socket.receive({ type: "error", detail: "unknown event" });
    expect(received).toEqual([{ type: "booking", booking_id: "b1", status: "reserved", reason: null }]);
    expect(errors).toEqual(["unknown event"]);
  });

  it("forwards the waiting room's and list's messages of subscribed events only, well-formed ones", () => {
    const { client, received } = setup();
    client.subscribe(EVENT);
    const socket = FakeWebSocket.latest();
    socket.open();
    const room = { type: "waiting_room", event_id: EVENT, state: "waiting", now_serving: 40, admit_per_minute: 600 };
    socket.receive(room);
    socket.receive({ ...room, now_serving: 41, admit_per_minute: null });
    socket.receive({ ...room, event_id: "other-event" });
    socket.receive({ ...room, state: "admitted" }); // not a room's state
    socket.receive({ ...room, now_serving: "41" });
    const list = { type: "waiting_list", event_id: EVENT, ticket_type_id: TT_A, offered_through: 3 };
    socket.receive(list);
    socket.receive({ ...list, ticket_type_id: 7 });
    expect(received).toEqual([room, { ...room, now_serving: 41, admit_per_minute: null }, list]);
  });

  it("forwards the checkout states, and nothing it does not know", () => {
    const { received } = setup();
    const socket = FakeWebSocket.latest();
    socket.open();
    for (const status of ["reserved", "paid", "expired", "refunded"]) {
      socket.receive({ type: "booking", booking_id: "b1", status, reason: null });
    }
    socket.receive({ type: "booking", booking_id: "b1", status: "teleported", reason: null });
    socket.receive({ type: "booking", booking_id: "b1", status: "reserved", reason: null, expires_at: "2030-01-01T00:10:00Z" });
    expect(received.map((m) => (m.type === "booking" ? m.status : m.type))).toEqual([
      "reserved",
      "paid",
      "expired",
      "refunded",
      "reserved",
    ]);
    expect(received.at(-1)).toMatchObject({ expires_at: "2030-01-01T00:10:00Z" });
  });

  it("forwards check-in counts of subscribed events only, and drops malformed ones", () => {
    const { client, received } = setup();
    const socket = FakeWebSocket.latest();
    socket.open();
    client.subscribe(EVENT);
    socket.receive({ type: "checkins", event_id: "other-event", issued: 5, checked_in: 1 });
    socket.receive({ type: "checkins", event_id: EVENT, issued: "5", checked_in: 1 });
    socket.receive({ type: "checkins", event_id: EVENT, issued: 5, checked_in: 2 });
    expect(received).toEqual([{ type: "checkins", event_id: EVENT, issued: 5, checked_in: 2 }]);
  });
});

describe("RealtimeClient: version ordering", () => {
  it("drops inventory whose version is not newer than the known one for its ticket type", () => {
    const { client, received } = setup();
    client.subscribe(EVENT);
    const socket = FakeWebSocket.latest();
    socket.open();
    socket.receive(snapshot(10));
    socket.receive(inventory(TT_A, 9, 10)); // same as the snapshot: already included
    socket.receive(inventory(TT_A, 8, 12));
    socket.receive(inventory(TT_A, 9, 11)); // late frame: older than 12
    socket.receive(inventory(TT_A, 7, 12)); // duplicate version
    socket.receive(inventory(TT_A, 6, 13));
    const remaining = received.filter((m) => m.type === "inventory").map((m) => m.type === "inventory" && m.remaining);
    expect(remaining).toEqual([8, 6]);
  });

  it("keeps versions per ticket type", () => {
    const { client, received } = setup();
    client.subscribe(EVENT);
    const socket = FakeWebSocket.latest();
    socket.open();
    socket.receive(inventory(TT_A, 5, 20));
    socket.receive(inventory(TT_B, 15, 3)); // B has its own counter
    expect(received.map((m) => m.type === "inventory" && m.ticket_type_id)).toEqual([TT_A, TT_B]);
  });

  it("uses per-ticket-type versions when a snapshot carries them", () => {
    const { client, received } = setup();
    client.subscribe(EVENT);
    const socket = FakeWebSocket.latest();
    socket.open();
    socket.receive({
      type: "snapshot",
      event_id: EVENT,
      ticket_types: [
        { id: TT_A, remaining: 10, version: 4 },
        { id: TT_B, remaining: 20, version: 9 },
      ],
      version: 9,
    });
    socket.receive(inventory(TT_A, 9, 5));
    expect(received.at(-1)).toMatchObject({ type: "inventory", ticket_type_id: TT_A, remaining: 9 });
  });

  it("takes a snapshot as truth even when its versions are lower (server restarted)", () => {
    const { client, received } = setup();
    client.subscribe(EVENT);
    let socket = FakeWebSocket.latest();
    socket.open();
    socket.receive(snapshot(50));
    socket.drop();
    vi.advanceTimersByTime(1000);
    socket = FakeWebSocket.latest();
    socket.open();
    socket.receive(snapshot(2, 7, 7));
    socket.receive(inventory(TT_A, 6, 3));
    expect(received.at(-2)).toMatchObject({ type: "snapshot", version: 2 });
    expect(received.at(-1)).toMatchObject({ type: "inventory", remaining: 6, version: 3 });
  });
});

describe("RealtimeClient: reconnecting", () => {
  it("goes stale at once when the socket drops, and reconnects with exponential backoff", () => {
    const { client } = setup({ random: () => 0 });
    client.subscribe(EVENT);
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().receive(snapshot(1));
    expect(client.isLive(EVENT)).toBe(true);

    FakeWebSocket.latest().drop();
    expect(client.getState().status).toBe("reconnecting");
    expect(client.isLive(EVENT)).toBe(false);
    expect(client.getState().liveEvents.size).toBe(0);

    // random() = 0 -> half the ceiling: 500, 1000, 2000, 4000, then capped at 8000/2.
    const expected = [500, 1000, 2000, 4000, 4000];
    for (const delay of expected) {
      const before = FakeWebSocket.instances.length;
      vi.advanceTimersByTime(delay - 1);
      expect(FakeWebSocket.instances.length).toBe(before);
      vi.advanceTimersByTime(1);
      expect(FakeWebSocket.instances.length).toBe(before + 1);
      FakeWebSocket.latest().drop(); // the attempt fails
    }
    expect(client.getState().attempt).toBe(expected.length + 1);
  });

  it("adds jitter to the delay, within the exponential ceiling", () => {
    const low = setup({ random: () => 0 }).client;
    const high = setup({ random: () => 0.999 }).client;
    for (const attempt of [0, 1, 2, 3, 6]) {
      const ceiling = Math.min(8000, 1000 * 2 ** attempt);
      expect(low.backoffDelay(attempt)).toBe(ceiling / 2);
      expect(high.backoffDelay(attempt)).toBeGreaterThan(ceiling * 0.99);
      expect(high.backoffDelay(attempt)).toBeLessThanOrEqual(ceiling);
    }
  });

  it("resets the backoff after a successful connection", () => {
    const { client } = setup({ random: () => 0 });
    FakeWebSocket.latest().drop();
    vi.advanceTimersByTime(500);
    FakeWebSocket.latest().drop();
    vi.advanceTimersByTime(1000);
    FakeWebSocket.latest().open();
    expect(client.getState().attempt).toBe(0);
    FakeWebSocket.latest().drop();
    const before = FakeWebSocket.instances.length;
    vi.advanceTimersByTime(500);
    expect(FakeWebSocket.instances.length).toBe(before + 1);
  });

  it("resubscribes every event and re-watches bookings after a reconnect, then takes the snapshot", () => {
    const { client, received } = setup();
    client.subscribe(EVENT);
    client.subscribe("event-2");
    client.watch("booking-1");
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().receive(snapshot(3));
    FakeWebSocket.latest().drop();

    vi.advanceTimersByTime(500);
    const socket = FakeWebSocket.latest();
    expect(FakeWebSocket.instances).toHaveLength(2);
    socket.open();
    expect(socket.messages).toEqual([
      { type: "subscribe", event_id: EVENT },
      { type: "subscribe", event_id: "event-2" },
      { type: "watch", booking_id: "booking-1" },
    ]);
    expect(client.isLive(EVENT)).toBe(false); // connected, but no snapshot yet
    socket.receive(snapshot(4, 1, 2));
    expect(client.isLive(EVENT)).toBe(true);
    expect(received.at(-1)).toMatchObject({ type: "snapshot", ticket_types: [{ remaining: 1 }, { remaining: 2 }] });
  });

  it("does not resubscribe events released while disconnected", () => {
    const { client } = setup();
    const release = client.subscribe(EVENT);
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().drop();
    release();
    vi.advanceTimersByTime(500);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().messages).toEqual([]);
  });

  it("watches a booking once, and re-watches it after a reconnect until its last holder lets go", () => {
    const { client } = setup();
    FakeWebSocket.latest().open();
    const first = client.watch("booking-1");
    const second = client.watch("booking-1");
    expect(FakeWebSocket.latest().messages).toEqual([{ type: "watch", booking_id: "booking-1" }]);
    first();
    first(); // releasing twice is harmless
    FakeWebSocket.latest().drop();
    vi.advanceTimersByTime(500);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().messages).toEqual([{ type: "watch", booking_id: "booking-1" }]);

    second();
    FakeWebSocket.latest().drop();
    vi.advanceTimersByTime(5_000);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().messages).toEqual([]);
  });

  it("treats a silent connection (no ping for too long) as lost", () => {
    const { client } = setup();
    const socket = FakeWebSocket.latest();
    socket.open();
    vi.advanceTimersByTime(30_000);
    socket.receive({ type: "ping" }); // keeps it alive
    vi.advanceTimersByTime(44_999);
    expect(client.getState().status).toBe("connected");
    vi.advanceTimersByTime(1);
    expect(client.getState().status).toBe("reconnecting");
    expect(socket.closedByClient).not.toBeNull();
  });

  it("gives up on a handshake that hangs", () => {
    const { client } = setup();
    vi.advanceTimersByTime(10_000);
    expect(client.getState().status).toBe("reconnecting");
    vi.advanceTimersByTime(500);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it("shows stale numbers as soon as the browser goes offline and retries at once when back", () => {
    const network = new EventTarget();
    const { client } = setup({ networkEvents: network, random: () => 0.5 });
    client.subscribe(EVENT);
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().receive(snapshot(1));
    network.dispatchEvent(new Event("offline"));
    expect(client.isLive(EVENT)).toBe(false);
    expect(client.getState().status).toBe("reconnecting");
    // Offline attempts fail and the backoff grows…
    vi.advanceTimersByTime(750);
    FakeWebSocket.latest().drop();
    vi.advanceTimersByTime(1500);
    FakeWebSocket.latest().drop();
    expect(client.getState().attempt).toBe(3);
    const before = FakeWebSocket.instances.length;
    network.dispatchEvent(new Event("online"));
    expect(FakeWebSocket.instances.length).toBe(before + 1);
    // …and starts over when the network is back: a failed first try is retried quickly.
    expect(client.getState().attempt).toBe(0);
    FakeWebSocket.latest().drop();
    vi.advanceTimersByTime(749);
    expect(FakeWebSocket.instances.length).toBe(before + 1);
    vi.advanceTimersByTime(1); // the first step of the backoff again (random() = 0.5)
    expect(FakeWebSocket.instances.length).toBe(before + 2);
    FakeWebSocket.latest().open();
    expect(FakeWebSocket.latest().messages).toEqual([{ type: "subscribe", event_id: EVENT }]);
  });

  it("reconnect() opens a fresh socket at once (new session cookie)", () => {
    const { client } = setup();
    const first = FakeWebSocket.latest();
    first.open();
    client.reconnect();
    expect(first.closedByClient).not.toBeNull();
    expect(FakeWebSocket.instances).toHaveLength(2);
    first.drop(); // a late close of the old socket changes nothing
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.latest().open();
    expect(client.getState().status).toBe("connected");
  });

  it("stops for good on dispose", () => {
    const { client } = setup();
    const listener = vi.fn();
    client.subscribeState(listener);
    client.dispose();
    expect(client.getState().status).toBe("closed");
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(listener).toHaveBeenCalled();
  });
});
