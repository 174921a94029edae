/** Checkout, payments, e-tickets and check-in (issue 13). */
import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { api, fetchBlob, unwrap } from "../../lib/api-client";
import type {
  BookingStatus,
  CheckinAccepted,
  CheckoutStarted,
  PaymentProvider,
  TestPaymentResult,
} from "../../lib/api-types";
import { queryKeys } from "../../lib/query-keys";
import { storeBooking } from "../bookings/api";

/** The test provider's cards (Stripe's test numbers), as hints on its payment page. */
export const TEST_CARDS = [
  { number: "4242424242424242", effect: "pays" },
  { number: "4000000000000002", effect: "is declined" },
  { number: "4000000000009995", effect: "never answers" },
] as const;

const path = encodeURIComponent;

export function startCheckout(bookingId: string, provider: PaymentProvider): Promise<CheckoutStarted> {
  return unwrap(api.POST("/api/bookings/{booking_id}/checkout", { params: { path: { booking_id: bookingId } }, body: { provider } }));
}

export function payWithTestCard(paymentId: string, cardNumber: string): Promise<TestPaymentResult> {
  return unwrap(
    api.POST("/api/payments/test/{payment_id}", { params: { path: { payment_id: paymentId } }, body: { card_number: cardNumber } }),
  );
}

export function checkIn(code: string): Promise<CheckinAccepted> {
  return unwrap(api.POST("/api/checkin", { body: { code } }));
}

export function ticketsQueryOptions(bookingId: string) {
  return queryOptions({
    queryKey: queryKeys.bookings.tickets(bookingId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/bookings/{booking_id}/tickets", { params: { path: { booking_id: bookingId } }, signal })),
    // Paid a moment ago: the tickets may still be being issued.
    refetchInterval: (query) => (query.state.data?.length === 0 ? 2000 : false),
  });
}

export function checkinsQueryOptions(eventId: string) {
  return queryOptions({
    queryKey: queryKeys.events.checkins(eventId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/events/{event_id}/checkins", { params: { path: { event_id: eventId } }, signal })),
    // Each scan arrives over the socket ({"type": "checkins"}) while the event is subscribed.
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/** One page (the first 100) of an event's bookings in one state, for its organiser. */
export function eventBookingsQueryOptions(eventId: string, status: BookingStatus) {
  return queryOptions({
    queryKey: queryKeys.events.bookings(eventId, status),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/events/{event_id}/bookings", {
          params: { path: { event_id: eventId }, query: { status, limit: 100 } },
          signal,
        }),
      ),
  });
}

export function useRefundBooking() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (bookingId: string) =>
      unwrap(api.POST("/api/bookings/{booking_id}/refund", { params: { path: { booking_id: bookingId } } })),
    onSuccess: (booking) => {
      storeBooking(queryClient, booking);
      void queryClient.invalidateQueries({ queryKey: ["events", "bookings", booking.event_id] });
      void queryClient.invalidateQueries({ queryKey: queryKeys.events.checkins(booking.event_id) });
    },
  });
}

export const ticketFiles = {
  qrSvg: (code: string) => `/api/tickets/${path(code)}/qr.svg`,
  qrPng: (code: string) => `/api/tickets/${path(code)}/qr.png`,
  pdf: (code: string) => `/api/tickets/${path(code)}/ticket.pdf`,
  attendeesCsv: (eventId: string) => `/api/events/${path(eventId)}/attendees.csv`,
};

/** Fetches an owner-only file with the session and hands it to the browser as a download. */
export async function downloadFile(url: string, filename: string): Promise<void> {
  const blob = await fetchBlob(url);
  const href = URL.createObjectURL(blob);
  try {
    const link = document.createElement("a");
    link.href = href;
    link.download = filename;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // After the click the browser holds its own reference to the file.
    setTimeout(() => URL.revokeObjectURL(href), 0);
  }
}
