import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import type { Client } from "openapi-fetch";
import { api, unwrap } from "../../lib/api-client";
import { queryKeys } from "../../lib/query-keys";

/**
 * The waiting list after a sell-out (the contract agreed for issue 12). Its operations are
 * not in the generated schema yet: they are typed here by hand, in the generated shape,
 * until `make openapi api-client` brings them in with the server that serves them.
 */
export interface WaitlistPlace {
  ticket_type_id: string;
  state: "waiting" | "offered" | "lapsed" | "bought" | "left";
  /** 1 = next; null unless waiting. */
  position: number | null;
  offer_expires_at: string | null;
  /** Only while offered: the Admission-Pass of the purchase. */
  pass: string | null;
}

export interface MyWaitlistPlaces {
  places: WaitlistPlace[];
}

type Json<T> = { headers: Record<string, unknown>; content: { "application/json": T } };
type EventPath<Extra = object> = {
  query?: never;
  header?: never;
  path: { event_id: string } & Extra;
  cookie?: never;
};

interface WaitlistPaths {
  "/api/events/{event_id}/waiting-list": {
    post: {
      parameters: EventPath;
      requestBody: { content: { "application/json": { ticket_type_id: string } } };
      responses: { 200: Json<WaitlistPlace> };
    };
  };
  "/api/events/{event_id}/waiting-list/me": {
    get: { parameters: EventPath; requestBody?: never; responses: { 200: Json<MyWaitlistPlaces> } };
  };
  "/api/events/{event_id}/waiting-list/{ticket_type_id}": {
    delete: {
      parameters: EventPath<{ ticket_type_id: string }>;
      requestBody?: never;
      responses: { 204: { headers: Record<string, unknown>; content?: never } };
    };
  };
}

const waitlistApi = api as unknown as Client<WaitlistPaths>;

/** An offered or waiting place is asked for again this often, besides the socket's nudges. */
export const WAITLIST_POLL_MS = 5_000;

export function myWaitlistQueryOptions(eventId: string) {
  return queryOptions({
    queryKey: queryKeys.waitingList.mine(eventId),
    queryFn: ({ signal }) =>
      unwrap(waitlistApi.GET("/api/events/{event_id}/waiting-list/me", { params: { path: { event_id: eventId } }, signal })),
  });
}

function storePlace(old: MyWaitlistPlaces | undefined, place: WaitlistPlace): MyWaitlistPlaces {
  const others = (old?.places ?? []).filter((p) => p.ticket_type_id !== place.ticket_type_id);
  return { places: [...others, place] };
}

export function useJoinWaitlist(eventId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (ticketTypeId: string) =>
      unwrap(
        waitlistApi.POST("/api/events/{event_id}/waiting-list", {
          params: { path: { event_id: eventId } },
          body: { ticket_type_id: ticketTypeId },
        }),
      ),
    onSuccess: (place) =>
      queryClient.setQueryData<MyWaitlistPlaces>(queryKeys.waitingList.mine(eventId), (old) => storePlace(old, place)),
  });
}

export function useLeaveWaitlist(eventId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (ticketTypeId: string) => {
      await unwrap(
        waitlistApi.DELETE("/api/events/{event_id}/waiting-list/{ticket_type_id}", {
          params: { path: { event_id: eventId, ticket_type_id: ticketTypeId } },
        }),
      );
      return ticketTypeId;
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.waitingList.mine(eventId) }),
  });
}
