/**
 * Keeps the session alive without the user noticing. The access token (an HttpOnly cookie)
 * lives 15 minutes; the refresh token (another HttpOnly cookie, sent only to /api/auth)
 * gets a new pair from POST /api/auth/refresh. A refresh happens a minute before the access
 * token expires, and whenever the API answers 401 (the tab slept, the page was reloaded).
 *
 * Each refresh uses its refresh token up, and the server takes a token presented twice for
 * a stolen one: concurrent refreshes are merged into one, and tabs take turns through a Web
 * Lock, so the second tab sends the cookie the first one just received.
 */

const REFRESH_PATH = "/api/auth/refresh";
/** Calls whose 401 means "wrong credentials", not "the access token expired". */
const NOT_RETRIED = ["/api/auth/login", "/api/auth/register", REFRESH_PATH];
const MARGIN_SECONDS = 60;

type Fetch = (request: Request) => Promise<Response>;

let inFlight: Promise<boolean> | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;
const listeners = new Set<() => void>();

/** Called after every successful refresh (the realtime socket reconnects with it). */
export function onSessionRefreshed(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A session began (log-in) or was renewed: refresh a minute before it expires. */
export function sessionStarted(expiresInSeconds: number, origin: string, send: Fetch): void {
  sessionEnded();
  const delay = Math.max(0, expiresInSeconds - MARGIN_SECONDS) * 1000;
  timer = setTimeout(() => void refreshSession(origin, send), delay);
}

/** Whether a refresh is planned or under way. */
export function sessionKeptFresh(): boolean {
  return timer !== null || inFlight !== null;
}

/** Logged out: nothing left to refresh. */
export function sessionEnded(): void {
  if (timer !== null) clearTimeout(timer);
  timer = null;
}

/** One refresh at a time, shared by every caller; resolves whether it succeeded. */
export function refreshSession(origin: string, send: Fetch): Promise<boolean> {
  inFlight ??= withTabLock(() => refreshOnce(origin, send)).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

async function refreshOnce(origin: string, send: Fetch): Promise<boolean> {
  const response = await send(new Request(origin + REFRESH_PATH, { method: "POST", credentials: "same-origin" }));
  if (!response.ok) {
    sessionEnded();
    return false;
  }
  const { expires_in } = (await response.json()) as { expires_in: number };
  sessionStarted(expires_in, origin, send);
  for (const listener of listeners) listener();
  return true;
}

function withTabLock(work: () => Promise<boolean>): Promise<boolean> {
  const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
  // request() resolves with what the callback returns, a promise here: then() unwraps it.
  return locks ? locks.request("bolttickets-refresh", work).then((done) => done) : work();
}

/**
 * ``send`` with a silent refresh: an API answer of 401 refreshes the session once and
 * sends the request again; if the refresh fails, the 401 stands.
 */
export async function sendRefreshing(request: Request, origin: string, send: Fetch): Promise<Response> {
  const retryable = !NOT_RETRIED.some((path) => new URL(request.url).pathname === path);
  const again = retryable ? request.clone() : null;
  const response = await send(request);
  if (response.status !== 401 || again === null) return response;
  return (await refreshSession(origin, send)) ? send(again) : response;
}

/** For tests: forget timers and refreshes in flight. */
export function resetSession(): void {
  sessionEnded();
  inFlight = null;
  listeners.clear();
}
