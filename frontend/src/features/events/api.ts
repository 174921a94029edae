import { type InfiniteData, infiniteQueryOptions, queryOptions, type QueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../lib/api-client";
import type { Event, EventPage } from "../../lib/api-types";
import { queryKeys } from "../../lib/query-keys";

const PAGE_SIZE = 20;
/** Remaining counts are kept current by the socket; HTTP only loads what is on screen. */
const EVENTS_STALE_MS = 30_000;

export const eventsQueryOptions = infiniteQueryOptions({
  queryKey: queryKeys.events.lists,
  queryFn: ({ pageParam, signal }) =>
    unwrap(
      api.GET("/api/events", {
        params: { query: { limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } },
        signal,
      }),
    ),
  initialPageParam: null as string | null,
  getNextPageParam: (last: EventPage) => last.next_cursor ?? undefined,
  staleTime: EVENTS_STALE_MS,
});

function fromLists(queryClient: QueryClient, eventId: string): { event: Event; updatedAt: number } | undefined {
  for (const [key, data] of queryClient.getQueriesData<InfiniteData<EventPage>>({ queryKey: queryKeys.events.lists })) {
    const event = data?.pages.flatMap((page) => page.items).find((item) => item.id === eventId);
    if (event) return { event, updatedAt: queryClient.getQueryState(key)?.dataUpdatedAt ?? 0 };
  }
  return undefined;
}

export function eventQueryOptions(eventId: string, queryClient?: QueryClient) {
  const seed = queryClient ? fromLists(queryClient, eventId) : undefined;
  return queryOptions({
    queryKey: queryKeys.events.detail(eventId),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/events/{event_id}", { params: { path: { event_id: eventId } }, signal })),
    staleTime: EVENTS_STALE_MS,
    // Opening an event from the list shows it at once; the snapshot then corrects the numbers.
    ...(seed ? { initialData: seed.event, initialDataUpdatedAt: seed.updatedAt } : {}),
  });
}
