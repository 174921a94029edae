import { ApiError, errorMessage } from "../../lib/problem";

export function checkoutErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 409) return "This booking is no longer waiting for payment.";
    if (error.status === 422 && error.slug !== "validation-error") return "This payment method is not available.";
    if (error.status === 404) return "This payment no longer exists.";
  }
  return errorMessage(error);
}
