import { createContext, type ReactNode, use, useEffect, useSyncExternalStore } from "react";
import type { ConnectionStatus, RealtimeClient, RealtimeMessage } from "./client";

const RealtimeContext = createContext<RealtimeClient | null>(null);

export function RealtimeProvider({ client, children }: { client: RealtimeClient; children: ReactNode }) {
  return <RealtimeContext value={client}>{children}</RealtimeContext>;
}

export function useRealtimeClient(): RealtimeClient {
  const client = use(RealtimeContext);
  if (!client) throw new Error("useRealtimeClient must be used inside <RealtimeProvider>");
  return client;
}

export function useConnectionStatus(): ConnectionStatus {
  const client = useRealtimeClient();
  return useSyncExternalStore(client.subscribeState, () => client.getState().status);
}

/** True while the event's numbers come from the open socket (snapshot received). */
export function useIsEventLive(eventId: string): boolean {
  const client = useRealtimeClient();
  return useSyncExternalStore(client.subscribeState, () => client.isLive(eventId));
}

/** Keeps the given events subscribed while the component is mounted. */
export function useLiveEvents(eventIds: readonly string[]): void {
  const client = useRealtimeClient();
  const key = [...new Set(eventIds)].sort().join(",");
  useEffect(() => {
    if (!key) return;
    const releases = key.split(",").map((id) => client.subscribe(id));
    return () => {
      for (const release of releases) release();
    };
  }, [client, key]);
}

/** Asks for status messages of a booking (a replay of the current one comes first). */
export function useWatchBooking(bookingId: string | null | undefined, enabled = true): void {
  const client = useRealtimeClient();
  useEffect(() => {
    if (!bookingId || !enabled) return;
    return client.watch(bookingId);
  }, [client, bookingId, enabled]);
}

/** Calls `listener` for every accepted realtime message while mounted. */
export function useRealtimeMessages(listener: (message: RealtimeMessage) => void): void {
  const client = useRealtimeClient();
  useEffect(() => client.onMessage(listener), [client, listener]);
}
