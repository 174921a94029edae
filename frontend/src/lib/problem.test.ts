import { describe, expect, it } from "vitest";
import { ApiError, errorMessage, parseRetryAfter, problemSlug, toApiError } from "./problem";

describe("problem details", () => {
  it("takes the slug from the last path segment of the type", () => {
    expect(problemSlug("/problems/sold-out")).toBe("sold-out");
    expect(problemSlug("https://bolt.example/problems/per-user-limit/")).toBe("per-user-limit");
    expect(problemSlug("about:blank")).toBe("about:blank");
    expect(problemSlug(undefined)).toBe("");
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3);
    expect(parseRetryAfter(null)).toBeNull();
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5);
    expect(parseRetryAfter("soon")).toBeNull();
  });

  it("builds an ApiError from a problem response", () => {
    const response = new Response(null, { status: 503, headers: { "Retry-After": "2" } });
    const error = toApiError(response, {
      type: "/problems/queue-unavailable",
      title: "Queue unavailable",
      status: 503,
      detail: "Try again shortly",
    });
    expect(error).toBeInstanceOf(ApiError);
    expect(error.slug).toBe("queue-unavailable");
    expect(error.retryAfter).toBe(2);
    expect(error.message).toBe("Try again shortly");
  });

  it("copes with a body that is not a problem document", () => {
    const error = toApiError(new Response(null, { status: 502, statusText: "Bad Gateway" }), undefined);
    expect(error.status).toBe(502);
    expect(error.message).toBe("Bad Gateway");
  });

  it("joins validation messages into one sentence", () => {
    const error = new ApiError(422, {
      type: "/problems/validation-error",
      title: "Validation error",
      status: 422,
      errors: [{ loc: ["body", "quantity"], msg: "must be at least 1." }, { msg: "Another one." }],
    });
    expect(errorMessage(error)).toBe("must be at least 1. Another one.");
  });
});
