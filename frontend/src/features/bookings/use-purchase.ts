import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import type { Booking, Event, TicketType } from "../../lib/api-types";
import { ApiError, NetworkError } from "../../lib/problem";
import { queryKeys } from "../../lib/query-keys";
import { createBooking, type PurchaseRequest } from "./api";

const MAX_RETRIES = 8;
const RETRYABLE_STATUS = new Set([502, 503, 504]);

/** 503 queue-unavailable (and gateway errors) or no answer at all: the same request may be sent again. */
export function isRetryable(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof ApiError && RETRYABLE_STATUS.has(error.status));
}

/** Honours Retry-After; otherwise exponential backoff with jitter (failureCount starts at 0). */
export function retryDelayMs(failureCount: number, error: unknown, random: () => number = Math.random): number {
  if (error instanceof ApiError && error.retryAfter !== null) {
    return Math.min(30_000, Math.max(250, error.retryAfter * 1000));
  }
  const ceiling = Math.min(10_000, 1000 * 2 ** failureCount);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

function newKey(): string {
  return crypto.randomUUID();
}

/**
 * Buying one ticket type. One Idempotency-Key per purchase intent (ticket type +
 * quantity): retries after a 503 or a network error reuse it, and a click while a
 * request is in flight is ignored (PurchaseForm also ignores a double click's second click).
 */
export function usePurchase(event: Pick<Event, "id">, ticketType: TicketType, admissionPass?: string | null) {
  const queryClient = useQueryClient();
  const intent = useRef<{ fingerprint: string; key: string } | null>(null);
  const inFlight = useRef(false);

  const mutation = useMutation({
    mutationFn: (request: PurchaseRequest) => createBooking(request),
    retry: (failureCount, error) => isRetryable(error) && failureCount < MAX_RETRIES,
    retryDelay: (failureCount, error) => retryDelayMs(failureCount, error),
    onSuccess: (accepted, request) => {
      // Fulfilled: the next click is a new purchase with a new key.
      intent.current = null;
      const seeded: Booking = {
        id: accepted.booking_id,
        event_id: event.id,
        ticket_type_id: ticketType.id,
        quantity: request.quantity,
        unit_price_cents: ticketType.price_cents,
        currency: ticketType.currency,
        total_cents: ticketType.price_cents * request.quantity,
        status: accepted.status,
        reason: null,
        created_at: new Date().toISOString(),
        expires_at: null,
        payment_id: null,
      };
      // If the socket already told us more (a fast worker), keep that.
      queryClient.setQueryData<Booking>(queryKeys.bookings.detail(seeded.id), (old) => old ?? seeded);
      void queryClient.invalidateQueries({ queryKey: queryKeys.bookings.lists, refetchType: "none" });
    },
    onError: (error) => {
      // Answered for good (sold out, limit…): a new attempt is a new intent.
      // Retries ran out on a 503 or network error: keep the key, the outcome is unknown.
      if (!isRetryable(error)) intent.current = null;
    },
    onSettled: () => {
      inFlight.current = false;
    },
  });

  const buy = (quantity: number) => {
    if (inFlight.current) return;
    const fingerprint = `${ticketType.id}:${quantity}`;
    if (intent.current?.fingerprint !== fingerprint) intent.current = { fingerprint, key: newKey() };
    inFlight.current = true;
    mutation.mutate({ ticketTypeId: ticketType.id, quantity, idempotencyKey: intent.current.key, admissionPass });
  };

  return {
    buy,
    isPending: mutation.isPending,
    isPaused: mutation.isPaused,
    /** The last failure while retries are still running. */
    retryingAfter: mutation.isPending ? mutation.failureReason : null,
    error: mutation.error,
    bookingId: mutation.data?.booking_id ?? null,
    reset: mutation.reset,
  };
}
