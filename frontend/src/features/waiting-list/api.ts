import { queryOptions, useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../lib/api-client";
import type { MyWaitlistPlaces, WaitlistPlace } from "../../lib/api-types";

export type { WaitlistPlace };
import { queryKeys } from "../../lib/query-keys";

/** An offered or waiting place is asked for again this often, besides the socket's nudges. */
export const WAITLIST_POLL_MS = 5_000;

export function myWaitlistQueryOptions(eventId: string) {
  return queryOptions({
    queryKey: queryKeys.waitingList.mine(eventId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/events/{event_id}/waiting-list/me", { params: { path: { event_id: eventId } }, signal })),
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
        api.POST("/api/events/{event_id}/waiting-list", {
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
        api.DELETE("/api/events/{event_id}/waiting-list/{ticket_type_id}", {
          params: { path: { event_id: eventId, ticket_type_id: ticketTypeId } },
        }),
      );
      return ticketTypeId;
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.waitingList.mine(eventId) }),
  });
}
