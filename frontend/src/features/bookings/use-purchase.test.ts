import { describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "../../lib/problem";
import { isRetryable, retryDelayMs } from "./use-purchase";

const problem = (status: number, slug: string) => ({ type: `/problems/${slug}`, title: slug, status });

describe("purchase retries", () => {
  it("retries 503 and network errors, never a business answer", () => {
    expect(isRetryable(new ApiError(503, problem(503, "queue-unavailable"), 2))).toBe(true);
    expect(isRetryable(new NetworkError(new TypeError("fetch failed")))).toBe(true);
    expect(isRetryable(new ApiError(409, problem(409, "sold-out")))).toBe(false);
    expect(isRetryable(new ApiError(422, problem(422, "idempotency-key-reused")))).toBe(false);
    expect(isRetryable(new ApiError(401, problem(401, "unauthorized")))).toBe(false);
  });

  it("waits as long as Retry-After says", () => {
    expect(retryDelayMs(0, new ApiError(503, problem(503, "queue-unavailable"), 3))).toBe(3000);
    expect(retryDelayMs(0, new ApiError(503, problem(503, "queue-unavailable"), 0))).toBe(250);
    expect(retryDelayMs(0, new ApiError(503, problem(503, "queue-unavailable"), 600))).toBe(30_000);
  });

  it("backs off exponentially with jitter otherwise", () => {
    const network = new NetworkError(null);
    expect(retryDelayMs(0, network, () => 0)).toBe(500);
    expect(retryDelayMs(1, network, () => 0)).toBe(1000);
    expect(retryDelayMs(2, network, () => 0.999)).toBeLessThanOrEqual(4000);
    expect(retryDelayMs(2, network, () => 0.999)).toBeGreaterThan(3900);
    expect(retryDelayMs(10, network, () => 0)).toBe(5000);
  });
});
