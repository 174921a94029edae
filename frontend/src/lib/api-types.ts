/**
 * Names for the shapes of the public API, derived from the generated schema by
 * path (not by component name), so regenerating schema.d.ts from the server's own
 * OpenAPI document keeps these stable.
 */
import type { paths } from "../api/schema";

type JsonOf<T> = T extends { content: { "application/json": infer B } } ? B : never;
type Ok<Op, Code extends number> = Op extends { responses: infer R }
  ? Code extends keyof R
    ? JsonOf<R[Code]>
    : never
  : never;
type BodyOf<Op> = Op extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never;

export type User = Ok<paths["/api/auth/me"]["get"], 200>;
export type Role = User["role"];
export type RegisterBody = BodyOf<paths["/api/auth/register"]["post"]>;
export type LoginBody = BodyOf<paths["/api/auth/login"]["post"]>;

export type EventPage = Ok<paths["/api/events"]["get"], 200>;
export type Event = Ok<paths["/api/events/{event_id}"]["get"], 200>;
export type TicketType = Event["ticket_types"][number];
export type EventCreateBody = BodyOf<paths["/api/events"]["post"]>;
export type TicketTypeCreateBody = EventCreateBody["ticket_types"][number];

type GeneratedBooking = Ok<paths["/api/bookings/{booking_id}"]["get"], 200>;
// ISSUE-13 PRE-MERGE: the checkout states and fields, hand-written from s27-api13.md until
// schema.d.ts is regenerated with them; then Booking, BookingPage and BookingStatus are the
// generated types again and "confirmed" (gone from the API) leaves the status maps.
export type BookingStatus = GeneratedBooking["status"] | "reserved" | "paid" | "expired" | "refunded";
export type Booking = Omit<GeneratedBooking, "status"> & {
  status: BookingStatus;
  /** Set while reserved: the payment deadline. */
  expires_at?: string | null;
  payment_id?: string | null;
};
export type BookingPage = Omit<Ok<paths["/api/bookings"]["get"], 200>, "items"> & { items: Booking[] };
export type BookingAccepted = Ok<paths["/api/bookings"]["post"], 202>;
export type BookingCreateBody = BodyOf<paths["/api/bookings"]["post"]>;

export type WaitingRoomPlace = Ok<paths["/api/events/{event_id}/waiting-room/me"]["get"], 200>;
export type WaitingRoomSettings = Ok<paths["/api/events/{event_id}/waiting-room"]["put"], 200>;
export type WaitingRoomSettingsBody = BodyOf<paths["/api/events/{event_id}/waiting-room"]["put"]>;
export type WaitingRoomOverview = Ok<paths["/api/events/{event_id}/waiting-room"]["get"], 200>;
export type WaitlistPlace = Ok<paths["/api/events/{event_id}/waiting-list"]["post"], 200>;
export type MyWaitlistPlaces = Ok<paths["/api/events/{event_id}/waiting-list/me"]["get"], 200>;

export type Ticket = Ok<paths["/api/bookings/{booking_id}/tickets"]["get"], 200>[number];
export type CheckinAccepted = Ok<paths["/api/checkin"]["post"], 200>;
export type CheckinCount = Ok<paths["/api/events/{event_id}/checkins"]["get"], 200>;
