import createClient from "openapi-fetch";
import type { paths } from "../api/schema";
import { ApiError, NetworkError, toApiError } from "./problem";
import { observeServerDate } from "./server-clock";

function sameOrigin(): string {
  // Relative to the page: the API is served by the same origin under /api.
  return typeof window === "undefined" ? "http://localhost" : window.location.origin;
}

/**
 * The typed API client. The session token lives only in the HttpOnly cookie that
 * the server sets, so every request just sends same-origin credentials.
 */
export const api = createClient<paths>({
  baseUrl: sameOrigin(),
  credentials: "same-origin",
  // Looked up on every call (not captured once) so test interceptors apply.
  fetch: async (request) => {
    try {
      const response = await globalThis.fetch(request);
      observeServerDate(response.headers.get("Date"));
      return response;
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
      throw new NetworkError(cause);
    }
  },
});

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
