import createClient from "openapi-fetch";
import type { paths } from "../api/schema";
import { ApiError, NetworkError, toApiError } from "./problem";
import { observeServerDate } from "./server-clock";
import { refreshSession, sendRefreshing, sessionEnded, sessionKeptFresh, sessionStarted } from "./session";

function sameOrigin(): string {
  // Relative to the page: the API is served by the same origin under /api.
  return typeof window === "undefined" ? "http://localhost" : window.location.origin;
}

async function send(request: Request): Promise<Response> {
  try {
    // Looked up on every call (not captured once) so test interceptors apply.
    const response = await globalThis.fetch(request);
    observeServerDate(response.headers.get("Date"));
    return response;
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new NetworkError(cause);
  }
}

/**
 * The typed API client. The session's tokens live only in the HttpOnly cookies that
 * the server sets, so every request just sends same-origin credentials; an expired
 * access token is refreshed silently (session.ts).
 */
export const api = createClient<paths>({
  baseUrl: sameOrigin(),
  credentials: "same-origin",
  fetch: (request) => sendRefreshing(request, sameOrigin(), send),
});

/** Logged in: keep the session fresh from now on. */
export function sessionBegan(expiresInSeconds: number): void {
  sessionStarted(expiresInSeconds, sameOrigin(), send);
}

/** A page opened on an earlier session: its expiry is unknown, so renew it now. */
export function resumeSession(): void {
  if (!sessionKeptFresh()) void refreshSession(sameOrigin(), send);
}

export { sessionEnded as sessionOver };

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Returns the data of a successful call, or throws an ApiError with its problem. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(response, error);
  return data as T;
}

export { ApiError, NetworkError };

function sendAuthenticated(path: string, init: RequestInit = {}): Promise<Response> {
  return sendRefreshing(
    new Request(new URL(path, sameOrigin()), { ...init, credentials: "same-origin" }),
    sameOrigin(),
    send,
  );
}

async function failure(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  return toApiError(response, body);
}

/** A binary download (QR image, PDF, CSV) with the session, so owner-only files come through. */
export async function fetchBlob(path: string, signal?: AbortSignal): Promise<Blob> {
  const response = await sendAuthenticated(path, { signal });
  if (!response.ok) throw await failure(response);
  return response.blob();
}
