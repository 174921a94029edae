import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../lib/api-client";
import type { EventCreateBody } from "../../lib/api-types";
import { queryKeys } from "../../lib/query-keys";

export function useCreateEvent() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: EventCreateBody) => unwrap(api.POST("/api/events", { body })),
    onSuccess: (event) => {
      queryClient.setQueryData(queryKeys.events.detail(event.id), event);
      void queryClient.invalidateQueries({ queryKey: queryKeys.events.lists });
    },
  });
}
