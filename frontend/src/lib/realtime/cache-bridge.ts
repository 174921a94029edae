import type { InfiniteData, QueryClient } from "@tanstack/react-query";
import type { Booking, BookingPage, Event, EventPage } from "../api-types";
import { queryKeys } from "../query-keys";
import type { RealtimeClient, RealtimeMessage } from "./client";
import type { BookingMessage } from "./protocol";

/**
 * Writes accepted socket messages into the TanStack Query cache — the only copy
 * of server state in the page. Unchanged entries keep their identity so nothing
 * re-renders for nothing.
 */
export function connectRealtimeToQueryClient(client: RealtimeClient, queryClient: QueryClient): () => void {
  return client.onMessage((message) => applyRealtimeMessage(queryClient, message));
}

export function applyRealtimeMessage(queryClient: QueryClient, message: RealtimeMessage): void {
  switch (message.type) {
    case "snapshot": {
      const remaining = new Map(message.ticket_types.map((t) => [t.id, t.remaining]));
      updateEvent(queryClient, message.event_id, remaining);
      return;
    }
    case "inventory":
      updateEvent(queryClient, message.event_id, new Map([[message.ticket_type_id, message.remaining]]));
      return;
    case "booking":
      updateBooking(queryClient, message);
      return;
    case "checkins":
      queryClient.setQueryData(queryKeys.events.checkins(message.event_id), {
        event_id: message.event_id,
        issued: message.issued,
        checked_in: message.checked_in,
      });
      return;
    case "waiting_room":
      queryClient.setQueryData(queryKeys.waitingRoom.feed(message.event_id), message);
      return;
    case "waiting_list":
      // The message says only that offers moved on: each buyer asks for their own place.
      void queryClient.invalidateQueries({ queryKey: queryKeys.waitingList.mine(message.event_id) });
      return;
  }
}

function patchEvent(event: Event, remaining: ReadonlyMap<string, number>): Event {
  let changed = false;
  const ticketTypes = event.ticket_types.map((t) => {
    const value = remaining.get(t.id);
    if (value === undefined || value === t.remaining) return t;
    changed = true;
    return { ...t, remaining: value };
  });
  return changed ? { ...event, ticket_types: ticketTypes } : event;
}

function patchPages<T extends { items: ReadonlyArray<{ id: string }> }, I extends T["items"][number]>(
  data: InfiniteData<T> | undefined,
  id: string,
  patch: (item: I) => I,
): InfiniteData<T> | undefined {
  if (!data) return data;
  let changed = false;
  const pages = data.pages.map((page) => {
    let pageChanged = false;
    const items = page.items.map((item) => {
      if (item.id !== id) return item;
      const next = patch(item as I);
      if (next !== item) pageChanged = true;
      return next;
    });
    if (!pageChanged) return page;
    changed = true;
    return { ...page, items };
  });
  return changed ? { ...data, pages } : data;
}

function updateEvent(queryClient: QueryClient, eventId: string, remaining: ReadonlyMap<string, number>): void {
  queryClient.setQueryData<Event>(queryKeys.events.detail(eventId), (old) => old && patchEvent(old, remaining));
  queryClient.setQueriesData<InfiniteData<EventPage>>({ queryKey: queryKeys.events.lists }, (old) =>
    patchPages<EventPage, Event>(old, eventId, (event) => patchEvent(event, remaining)),
  );
}

function updateBooking(queryClient: QueryClient, message: BookingMessage): void {
  const { booking_id: bookingId, status, reason } = message;
  let changed = false;
  const apply = (booking: Booking): Booking => {
    if (booking.status === status && booking.reason === reason) return booking;
    changed = true;
    const next: Booking = { ...booking, status, reason };
    if (message.expires_at !== undefined) next.expires_at = message.expires_at;
    else if (status !== "reserved") next.expires_at = null;
    return next;
  };
  queryClient.setQueryData<Booking>(queryKeys.bookings.detail(bookingId), (old) => old && apply(old));
  queryClient.setQueriesData<InfiniteData<BookingPage>>({ queryKey: queryKeys.bookings.lists }, (old) =>
    patchPages<BookingPage, Booking>(old, bookingId, apply),
  );
  if (!changed) return;
  // A reservation's deadline and a payment's tickets are not in the message: fetch them.
  if (status === "reserved" && message.expires_at === undefined) {
    void queryClient.invalidateQueries({ queryKey: queryKeys.bookings.detail(bookingId) });
    void queryClient.invalidateQueries({ queryKey: queryKeys.bookings.lists });
  }
  if (status === "paid") void queryClient.invalidateQueries({ queryKey: queryKeys.bookings.tickets(bookingId) });
}
