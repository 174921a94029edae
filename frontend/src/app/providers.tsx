import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { isApiError } from "../lib/problem";
import type { RealtimeClient } from "../lib/realtime/client";
import { RealtimeProvider } from "../lib/realtime/react";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Live numbers come over the socket; no refetch storms on focus during a sale.
        refetchOnWindowFocus: false,
        retry: (failureCount, error) => !(isApiError(error) && error.status < 500) && failureCount < 2,
      },
      mutations: { retry: false },
    },
  });
}

export function AppProviders({ queryClient, realtime, children }: {
  queryClient: QueryClient;
  realtime: RealtimeClient;
  children: ReactNode;
}) {
  return (
    <QueryClientProvider client={queryClient}>
      <RealtimeProvider client={realtime}>{children}</RealtimeProvider>
    </QueryClientProvider>
  );
}
