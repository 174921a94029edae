import { type InfiniteData, QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { aBooking, anEvent } from "../../testing/fixtures";
import type { BookingPage, Event, EventPage } from "../api-types";
import { queryKeys } from "../query-keys";
import { applyRealtimeMessage } from "./cache-bridge";

function seeded() {
  const queryClient = new QueryClient();
  const event = anEvent({}, [{ remaining: 10 }, { remaining: 20 }]);
  const other = anEvent();
  queryClient.setQueryData(queryKeys.events.detail(event.id), event);
  queryClient.setQueryData<InfiniteData<EventPage>>(queryKeys.events.lists, {
    pages: [{ items: [event, other], next_cursor: null }],
    pageParams: [null],
  });
  return { queryClient, event, other };
}

describe("applyRealtimeMessage", () => {
  it("writes a snapshot into the event and every list that shows it", () => {
    const { queryClient, event, other } = seeded();
    const [a, b] = event.ticket_types;
    applyRealtimeMessage(queryClient, {
      type: "snapshot",
      event_id: event.id,
      version: 3,
      ticket_types: [
        { id: a!.id, remaining: 4 },
        { id: b!.id, remaining: 0 },
      ],
    });
    const detail = queryClient.getQueryData<Event>(queryKeys.events.detail(event.id));
    expect(detail?.ticket_types.map((t) => t.remaining)).toEqual([4, 0]);
    const list = queryClient.getQueryData<InfiniteData<EventPage>>(queryKeys.events.lists);
    expect(list?.pages[0]?.items[0]?.ticket_types.map((t) => t.remaining)).toEqual([4, 0]);
    expect(list?.pages[0]?.items[1]).toBe(other); // untouched entries keep their identity
  });

  it("applies one inventory message to its ticket type only", () => {
    const { queryClient, event } = seeded();
    const before = queryClient.getQueryData<Event>(queryKeys.events.detail(event.id));
    applyRealtimeMessage(queryClient, {
      type: "inventory",
      event_id: event.id,
      ticket_type_id: event.ticket_types[1]!.id,
      remaining: 19,
      version: 4,
    });
    const after = queryClient.getQueryData<Event>(queryKeys.events.detail(event.id));
    expect(after?.ticket_types.map((t) => t.remaining)).toEqual([10, 19]);
    expect(after?.ticket_types[0]).toBe(before?.ticket_types[0]);
  });

  it("keeps the same object when nothing changed", () => {
    const { queryClient, event } = seeded();
    const before = queryClient.getQueryData<Event>(queryKeys.events.detail(event.id));
    applyRealtimeMessage(queryClient, {
      type: "inventory",
      event_id: event.id,
      ticket_type_id: event.ticket_types[0]!.id,
      remaining: 10,
      version: 5,
    });
    expect(queryClient.getQueryData(queryKeys.events.detail(event.id))).toBe(before);
  });

  it("updates a booking's status in its detail and in the lists", () => {
    const queryClient = new QueryClient();
    const event = anEvent();
    const booking = aBooking(event, { status: "pending" });
    queryClient.setQueryData(queryKeys.bookings.detail(booking.id), booking);
    queryClient.setQueryData<InfiniteData<BookingPage>>(queryKeys.bookings.lists, {
      pages: [{ items: [booking], next_cursor: null }],
      pageParams: [null],
    });
    applyRealtimeMessage(queryClient, { type: "booking", booking_id: booking.id, status: "rejected", reason: "sold-out" });
    expect(queryClient.getQueryData(queryKeys.bookings.detail(booking.id))).toMatchObject({
      status: "rejected",
      reason: "sold-out",
    });
    const list = queryClient.getQueryData<InfiniteData<BookingPage>>(queryKeys.bookings.lists);
    expect(list?.pages[0]?.items[0]?.status).toBe("rejected");
  });

  it("does not invent entries for bookings or events it has not loaded", () => {
    const queryClient = new QueryClient();
    applyRealtimeMessage(queryClient, { type: "booking", booking_id: "x", status: "reserved", reason: null });
    applyRealtimeMessage(queryClient, { type: "inventory", event_id: "e", ticket_type_id: "t", remaining: 1, version: 1 });
    expect(queryClient.getQueryCache().getAll()).toHaveLength(0);
  });
});

describe("applyRealtimeMessage: checkout (issue 13)", () => {
  it("writes an event's check-in count", () => {
    const queryClient = new QueryClient();
    applyRealtimeMessage(queryClient, { type: "checkins", event_id: "e1", issued: 10, checked_in: 4 });
    expect(queryClient.getQueryData(queryKeys.events.checkins("e1"))).toEqual({ event_id: "e1", issued: 10, checked_in: 4 });
  });

  it("re-reads a booking that became reserved (its deadline is not in the message), and drops the deadline after", async () => {
    const queryClient = new QueryClient();
    const booking = aBooking(anEvent(), { status: "pending" });
    queryClient.setQueryData(queryKeys.bookings.detail(booking.id), booking);
    applyRealtimeMessage(queryClient, { type: "booking", booking_id: booking.id, status: "reserved", reason: null });
    expect(queryClient.getQueryState(queryKeys.bookings.detail(booking.id))?.isInvalidated).toBe(true);

    queryClient.setQueryData(queryKeys.bookings.detail(booking.id), { ...booking, status: "reserved", expires_at: "2030-01-01T00:00:00Z" });
    applyRealtimeMessage(queryClient, { type: "booking", booking_id: booking.id, status: "expired", reason: null });
    expect(queryClient.getQueryData(queryKeys.bookings.detail(booking.id))).toMatchObject({ status: "expired", expires_at: null });
  });

  it("takes a deadline the message carries", () => {
    const queryClient = new QueryClient();
    const booking = aBooking(anEvent(), { status: "pending" });
    queryClient.setQueryData(queryKeys.bookings.detail(booking.id), booking);
    applyRealtimeMessage(queryClient, {
      type: "booking",
      booking_id: booking.id,
      status: "reserved",
      reason: null,
      expires_at: "2030-01-01T00:10:00Z",
    });
    expect(queryClient.getQueryData(queryKeys.bookings.detail(booking.id))).toMatchObject({
      status: "reserved",
      expires_at: "2030-01-01T00:10:00Z",
    });
    expect(queryClient.getQueryState(queryKeys.bookings.detail(booking.id))?.isInvalidated).toBe(false);
  });
});
