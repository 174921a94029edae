import type { TicketType } from "../../lib/api-types";
import { ApiError, errorMessage, NetworkError, type ProblemSlug } from "../../lib/problem";

/** A clear sentence per problem type, shown inline next to the purchase. */
export function problemMessage(slug: ProblemSlug | null, ticketType?: Pick<TicketType, "per_user_limit">): string {
  switch (slug) {
    case "sold-out":
      return "Sold out — there are no tickets of this type left.";
    case "per-user-limit":
      return ticketType?.per_user_limit
        ? `Limit reached — you can buy at most ${ticketType.per_user_limit} of these tickets.`
        : "Limit reached — you already hold the most tickets allowed per person.";
    case "sale-not-open":
      return "The sale hasn't opened yet. Try again when the countdown ends.";
    case "queue-unavailable":
      return "Busy — retrying…";
    case "unauthorized":
      return "Your session has ended. Log in again to buy.";
    case "forbidden":
      return "This account may not buy tickets.";
    case "not-found":
      return "This ticket type no longer exists.";
    case "rate-limited":
      return "Too many attempts — wait a moment, then try again.";
    case "waiting-room":
      return "This sale has a waiting room — taking you to your place in line…";
    case "idempotency-key-reused":
      return "This purchase was already sent with other details. Please try again.";
    default:
      return "The booking could not be completed.";
  }
}

export function purchaseErrorMessage(error: unknown, ticketType?: Pick<TicketType, "per_user_limit">): string {
  if (error instanceof ApiError) {
    if (error.slug === "validation-error" || error.slug === "malformed-request") return errorMessage(error);
    const known = problemMessage(error.slug, ticketType);
    return known === problemMessage(null) ? errorMessage(error) : known;
  }
  if (error instanceof NetworkError) return "Connection problem — your purchase was not confirmed. Try again.";
  return errorMessage(error);
}
