import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { AppRoutes } from "./app/App";
import { AppProviders, createQueryClient } from "./app/providers";
import { connectRealtimeToQueryClient } from "./lib/realtime/cache-bridge";
import { RealtimeClient, realtimeUrl } from "./lib/realtime/client";
import { onSessionRefreshed } from "./lib/session";
import "./styles.css";

performance.mark("bolt:boot");

const queryClient = createQueryClient();
const realtime = new RealtimeClient({ url: () => realtimeUrl() });
connectRealtimeToQueryClient(realtime, queryClient);
realtime.start();
// The socket authenticated with the old access token: the server closes it when that expires.
onSessionRefreshed(() => realtime.reconnect());

const root = document.getElementById("root");
if (!root) throw new Error("#root is missing from index.html");

createRoot(root).render(
  <StrictMode>
    <AppProviders queryClient={queryClient} realtime={realtime}>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </AppProviders>
  </StrictMode>,
);
