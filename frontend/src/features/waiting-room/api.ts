import { queryOptions, skipToken, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../lib/api-client";
import type { WaitingRoomPlace, WaitingRoomSettingsBody } from "../../lib/api-types";
import { queryKeys } from "../../lib/query-keys";
import type { WaitingRoomMessage } from "../../lib/realtime/protocol";

/** Without the socket, a waiting buyer asks for their place this often. */
export const PLACE_POLL_MS = 3_000;
/** The organiser's overview (size, outcomes) is not on the socket: it is polled. */
export const OVERVIEW_POLL_MS = 2_000;

const path = (eventId: string) => ({ params: { path: { event_id: eventId } } });

export function joinWaitingRoom(eventId: string): Promise<WaitingRoomPlace> {
  return unwrap(api.POST("/api/events/{event_id}/waiting-room/join", path(eventId)));
}

export function placeQueryOptions(eventId: string) {
  return queryOptions({
    queryKey: queryKeys.waitingRoom.place(eventId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/events/{event_id}/waiting-room/me", { ...path(eventId), signal })),
  });
}

export function overviewQueryOptions(eventId: string) {
  return queryOptions({
    queryKey: queryKeys.waitingRoom.overview(eventId),
    queryFn: ({ signal }) => unwrap(api.GET("/api/events/{event_id}/waiting-room", { ...path(eventId), signal })),
    // Only a room that is on changes by itself.
    refetchInterval: (query) => (query.state.data?.enabled ? OVERVIEW_POLL_MS : false),
  });
}

/** The room's latest `waiting_room` broadcast, which the realtime bridge keeps in the cache. */
export function useRoomFeed(eventId: string): WaitingRoomMessage | undefined {
  return useQuery<WaitingRoomMessage>({
    queryKey: queryKeys.waitingRoom.feed(eventId),
    queryFn: skipToken,
    staleTime: Number.POSITIVE_INFINITY,
  }).data;
}

export function useJoinWaitingRoom(eventId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => joinWaitingRoom(eventId),
    onSuccess: (place) => queryClient.setQueryData(queryKeys.waitingRoom.place(eventId), place),
  });
}

export function useSaveWaitingRoom(eventId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: WaitingRoomSettingsBody) =>
      unwrap(api.PUT("/api/events/{event_id}/waiting-room", { ...path(eventId), body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.waitingRoom.overview(eventId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.events.detail(eventId) });
    },
  });
}
