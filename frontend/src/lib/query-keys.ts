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
  waitingRoom: {
    /** The buyer's own place (join or me). */
    place: (eventId: string) => ["waiting-room", eventId, "place"] as const,
    /** The organiser's overview. */
    overview: (eventId: string) => ["waiting-room", eventId, "overview"] as const,
    /** The last `waiting_room` socket message of the event. */
    feed: (eventId: string) => ["waiting-room", eventId, "feed"] as const,
  },
  waitingList: {
    mine: (eventId: string) => ["waiting-list", eventId, "mine"] as const,
  },
};
