import { type QueryClient } from "@tanstack/react-query";
import { cleanup, render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach } from "vitest";
import { AppRoutes } from "../app/App";
import { AppProviders, createQueryClient } from "../app/providers";
import { connectRealtimeToQueryClient } from "../lib/realtime/cache-bridge";
import { RealtimeClient } from "../lib/realtime/client";
import { FakeWebSocket } from "./fake-websocket";

export function createTestQueryClient(): QueryClient {
  const client = createQueryClient();
  client.setDefaultOptions({
    queries: { ...client.getDefaultOptions().queries, retry: false, gcTime: Number.POSITIVE_INFINITY },
    mutations: client.getDefaultOptions().mutations,
  });
  return client;
}

export function createTestRealtime(): RealtimeClient {
  return new RealtimeClient({
    url: "ws://localhost/api/realtime",
    WebSocket: FakeWebSocket,
    random: () => 0.5,
    networkEvents: null,
  });
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Renders the whole app at `route`, with a fake socket the test drives. */
export function renderApp(route = "/", options: { queryClient?: QueryClient } = {}) {
  FakeWebSocket.reset();
  const queryClient = options.queryClient ?? createTestQueryClient();
  const realtime = createTestRealtime();
  const disconnect = connectRealtimeToQueryClient(realtime, queryClient);
  realtime.start();
  const user = userEvent.setup();
  const view = render(
    <AppProviders queryClient={queryClient} realtime={realtime}>
      <MemoryRouter initialEntries={[route]}>
        <AppRoutes />
      </MemoryRouter>
    </AppProviders>,
  );
  cleanups.push(() => {
    // Unmount before clearing the cache: a mounted query whose data is cleared fetches it
    // again, and that request would land in the next test with no handler to answer it.
    cleanup();
    disconnect();
    realtime.dispose();
    queryClient.clear();
  });
  return { ...view, user, queryClient, realtime, socket: () => FakeWebSocket.latest() };
}
