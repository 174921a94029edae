import { http, HttpResponse } from "msw";
import { afterEach, describe, expect, it, vi } from "vitest";
import { aUser, problem } from "../testing/fixtures";
import { server } from "../testing/server";
import { api, ApiError, unwrap } from "./api-client";
import { onSessionRefreshed, sessionStarted } from "./session";

/** An API whose access token is expired until a refresh succeeds. */
function expiredSession({ refreshes = true } = {}) {
  const calls = { refresh: 0, me: 0 };
  let fresh = false;
  server.use(
    http.get("*/api/auth/me", async () => {
      calls.me += 1;
      // Answers come back concurrently, as they would from a real server.
      await new Promise((resolve) => setTimeout(resolve, 5));
      return fresh ? HttpResponse.json(aUser()) : HttpResponse.json(problem("unauthorized", 401), { status: 401 });
    }),
    http.post("*/api/auth/refresh", () => {
      calls.refresh += 1;
      if (!refreshes) return HttpResponse.json(problem("invalid-refresh-token", 401), { status: 401 });
      fresh = true;
      return HttpResponse.json({ access_token: "a", token_type: "bearer", expires_in: 900, refresh_token: "r", refresh_expires_in: 1209600 });
    }),
  );
  return calls;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("silent refresh", () => {
  it("refreshes on a 401 and sends the request again", async () => {
    const calls = expiredSession();
    const refreshed = vi.fn();
    onSessionRefreshed(refreshed);

    const user = await unwrap(api.GET("/api/auth/me"));

    expect(user.email).toBe("buyer@example.com");
    expect(calls).toEqual({ refresh: 1, me: 2 });
    expect(refreshed).toHaveBeenCalledTimes(1);
  });

  it("makes one refresh for many requests refused at once", async () => {
    const calls = expiredSession();

    const users = await Promise.all([1, 2, 3].map(() => unwrap(api.GET("/api/auth/me"))));

    expect(users.map((user) => user.email)).toEqual(Array(3).fill("buyer@example.com"));
    expect(calls.refresh).toBe(1);
  });

  it("leaves the 401 when the refresh is refused, without trying again", async () => {
    const calls = expiredSession({ refreshes: false });

    const failure = await unwrap(api.GET("/api/auth/me")).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(401);
    expect(calls).toEqual({ refresh: 1, me: 1 });
  });

  it("does not take a failed log-in for an expired session", async () => {
    const calls = expiredSession();
    server.use(http.post("*/api/auth/login", () => HttpResponse.json(problem("invalid-credentials", 401), { status: 401 })));

    const failure = await unwrap(api.POST("/api/auth/login", { body: { email: "a@b.c", password: "wrong" } })).catch((e: unknown) => e);

    expect((failure as ApiError).slug).toBe("invalid-credentials");
    expect(calls.refresh).toBe(0);
  });

  it("refreshes a minute before the access token expires, and again after that", async () => {
    vi.useFakeTimers();
    const send = vi.fn(async (request: Request) => {
      expect(new URL(request.url).pathname).toBe("/api/auth/refresh");
      return Response.json({ expires_in: 900 });
    });

    sessionStarted(900, "http://localhost", send);
    await vi.advanceTimersByTimeAsync(839_000);
    expect(send).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(send).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(840_000);
    expect(send).toHaveBeenCalledTimes(2);
  });
});
