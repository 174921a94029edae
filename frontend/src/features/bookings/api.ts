import {
  type InfiniteData,
  infiniteQueryOptions,
  queryOptions,
  useMutation,
  useQueryClient,
} from "@tanstack/react-query";
import { api, unwrap } from "../../lib/api-client";
import type { Booking, BookingAccepted, BookingPage } from "../../lib/api-types";
import { queryKeys } from "../../lib/query-keys";

export interface PurchaseRequest {
  ticketTypeId: string;
  quantity: number;
  /** One per purchase intent, the same on every retry of it. */
  idempotencyKey: string;
  /** The waiting room's (or a waiting-list offer's) pass, for an event that has a room. */
  admissionPass?: string | null;
}

export function createBooking({ ticketTypeId, quantity, idempotencyKey, admissionPass }: PurchaseRequest): Promise<BookingAccepted> {
  return unwrap(
    api.POST("/api/bookings", {
      body: { ticket_type_id: ticketTypeId, quantity },
      params: {
        header: { "Idempotency-Key": idempotencyKey, ...(admissionPass ? { "Admission-Pass": admissionPass } : {}) },
      },
    }),
  );
}

export function bookingQueryOptions(bookingId: string) {
  return queryOptions({
    queryKey: queryKeys.bookings.detail(bookingId),
    queryFn: ({ signal }): Promise<Booking> =>
      unwrap(api.GET("/api/bookings/{booking_id}", { params: { path: { booking_id: bookingId } }, signal })),
    // Status changes arrive over the socket (watch replays the current one).
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export const bookingsQueryOptions = infiniteQueryOptions({
  queryKey: queryKeys.bookings.lists,
  queryFn: ({ pageParam, signal }): Promise<BookingPage> =>
    unwrap(
      api.GET("/api/bookings", {
        params: { query: { limit: 20, ...(pageParam ? { cursor: pageParam } : {}) } },
        signal,
      }),
    ),
  initialPageParam: null as string | null,
  getNextPageParam: (last: BookingPage) => last.next_cursor ?? undefined,
  staleTime: 10_000,
});

/** Puts a cancelled (or any updated) booking into every cache entry that shows it. */
export function storeBooking(queryClient: ReturnType<typeof useQueryClient>, booking: Booking): void {
  queryClient.setQueryData(queryKeys.bookings.detail(booking.id), booking);
  queryClient.setQueriesData<InfiniteData<BookingPage>>({ queryKey: queryKeys.bookings.lists }, (old) =>
    old
      ? {
          ...old,
          pages: old.pages.map((page) => ({
            ...page,
            items: page.items.map((item) => (item.id === booking.id ? booking : item)),
          })),
        }
      : old,
  );
}

export function useCancelBooking() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (bookingId: string): Promise<Booking> =>
      unwrap(api.POST("/api/bookings/{booking_id}/cancel", { params: { path: { booking_id: bookingId } } })),
    onSuccess: (booking) => storeBooking(queryClient, booking),
  });
}

/** Re-reads a booking (after its payment deadline, until the server has expired it). */
export function useRecheckBooking(bookingId: string): () => void {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.bookings.detail(bookingId) });
    void queryClient.invalidateQueries({ queryKey: queryKeys.bookings.lists });
  };
}
