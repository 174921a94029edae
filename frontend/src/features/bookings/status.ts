import type { BookingStatus } from "../../lib/api-types";

export const STATUS_LABEL: Record<BookingStatus, string> = {
  pending: "Pending",
  reserved: "Reserved",
  paid: "Paid",
  expired: "Expired",
  refunded: "Refunded",
  rejected: "Rejected",
  cancelled: "Cancelled",
};

/** Still moving on its own (allocation, or a payment or the deadline): follow it live. */
export function isSettling(status: BookingStatus): boolean {
  return status === "pending" || status === "reserved";
}
