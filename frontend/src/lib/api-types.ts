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

export type BookingPage = Ok<paths["/api/bookings"]["get"], 200>;
export type Booking = Ok<paths["/api/bookings/{booking_id}"]["get"], 200>;
export type BookingStatus = Booking["status"];
export type BookingAccepted = Ok<paths["/api/bookings"]["post"], 202>;
export type BookingCreateBody = BodyOf<paths["/api/bookings"]["post"]>;

export type WaitingRoomPlace = Ok<paths["/api/events/{event_id}/waiting-room/me"]["get"], 200>;
export type WaitingRoomSettings = Ok<paths["/api/events/{event_id}/waiting-room"]["put"], 200>;
export type WaitingRoomSettingsBody = BodyOf<paths["/api/events/{event_id}/waiting-room"]["put"]>;
export type WaitingRoomOverview = Ok<paths["/api/events/{event_id}/waiting-room"]["get"], 200>;
export type WaitlistPlace = Ok<paths["/api/events/{event_id}/waiting-list"]["post"], 200>;
export type MyWaitlistPlaces = Ok<paths["/api/events/{event_id}/waiting-list/me"]["get"], 200>;

export type PaymentProvider = BodyOf<paths["/api/bookings/{booking_id}/checkout"]["post"]>["provider"];
export type CheckoutStarted = Ok<paths["/api/bookings/{booking_id}/checkout"]["post"], 200>;
export type TestPaymentResult = Ok<paths["/api/payments/test/{payment_id}"]["post"], 200>;
export type TestPaymentOutcome = TestPaymentResult["outcome"];
export type Ticket = Ok<paths["/api/bookings/{booking_id}/tickets"]["get"], 200>[number];
export type CheckinAccepted = Ok<paths["/api/checkin"]["post"], 200>;
export type CheckinCount = Ok<paths["/api/events/{event_id}/checkins"]["get"], 200>;
