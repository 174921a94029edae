/** Every query key in one place, so the realtime bridge and the features agree. */
export const queryKeys = {
  me: ["auth", "me"] as const,
  events: {
    all: ["events"] as const,
    lists: ["events", "list"] as const,
    detail: (eventId: string) => ["events", "detail", eventId] as const,
    checkins: (eventId: string) => ["events", "checkins", eventId] as const,
    bookings: (eventId: string, status: string) => ["events", "bookings", eventId, status] as const,
  },
  bookings: {
    all: ["bookings"] as const,
    lists: ["bookings", "list"] as const,
    detail: (bookingId: string) => ["bookings", "detail", bookingId] as const,
    tickets: (bookingId: string) => ["bookings", "tickets", bookingId] as const,
  },
};
