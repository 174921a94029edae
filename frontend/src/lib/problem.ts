import type { components } from "../api/schema";

/** RFC 9457 problem details, as every error of the API is shaped. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string | null;
  errors?: ReadonlyArray<Record<string, unknown>> | null;
}

/** Every problem type the API documents, generated from its OpenAPI document. */
export type KnownProblemSlug = components["schemas"]["ProblemSlug"];
/** A documented problem type, or one a newer server may send. */
export type ProblemSlug = KnownProblemSlug | (string & {});

/** An HTTP answer that is not a success, with its problem document. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  /** Seconds from a Retry-After header, when the server sent one. */
  readonly retryAfter: number | null;

  constructor(status: number, problem: Problem, retryAfter: number | null = null) {
    super(problem.detail ?? problem.title);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** The last path segment of the problem type: "/problems/sold-out" -> "sold-out". */
  get slug(): ProblemSlug {
    return problemSlug(this.problem.type);
  }
}

/** The request never got an HTTP answer (offline, connection reset, DNS…). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("The server could not be reached.", { cause });
    this.name = "NetworkError";
  }
}

export function problemSlug(type: string | null | undefined): ProblemSlug {
  if (!type) return "";
  const path = type.split(/[?#]/, 1)[0] ?? "";
  return path.replace(/\/+$/, "").split("/").pop() ?? "";
}

export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "title" in value && "status" in value;
}

/** Builds an ApiError from a failed response and its already-parsed body. */
export function toApiError(response: Response, body: unknown): ApiError {
  const problem: Problem = isProblem(body)
    ? { ...body, type: typeof body.type === "string" ? body.type : "about:blank" }
    : {
        type: "about:blank",
        title: response.statusText || `HTTP ${response.status}`,
        status: response.status,
        detail: typeof body === "string" && body ? body : null,
      };
  return new ApiError(response.status, problem, parseRetryAfter(response.headers.get("Retry-After")));
}

export function isApiError(error: unknown, slug?: KnownProblemSlug): error is ApiError {
  return error instanceof ApiError && (slug === undefined || error.slug === slug);
}

/** One readable sentence for an error, for places that have no better wording. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.slug === "validation-error" && error.problem.errors?.length) {
      return error.problem.errors
        .map((e) => (typeof e.msg === "string" ? e.msg : typeof e.message === "string" ? e.message : null))
        .filter(Boolean)
        .join(" ") || error.message;
    }
    return error.message;
  }
  if (error instanceof NetworkError) return "The server could not be reached. Check your connection and try again.";
  return error instanceof Error ? error.message : "Something went wrong.";
}
