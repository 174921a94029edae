/** JSON text frames on /api/realtime (see ARCHITECTURE.md, "Realtime protocol"). */

export type ClientMessage =
  | { type: "subscribe"; event_id: string }
  | { type: "unsubscribe"; event_id: string }
  | { type: "watch"; booking_id: string }
  | { type: "pong" };

export interface SnapshotMessage {
  type: "snapshot";
  event_id: string;
  /** A per-ticket-type version is honoured when the server sends one. */
  ticket_types: Array<{ id: string; remaining: number; version?: number }>;
  /** The max version of the event's ticket types. */
  version: number;
}

export interface InventoryMessage {
  type: "inventory";
  event_id: string;
  ticket_type_id: string;
  remaining: number;
  version: number;
}

export interface BookingMessage {
  type: "booking";
  booking_id: string;
  status: "pending" | "reserved" | "paid" | "rejected" | "expired" | "refunded" | "cancelled";
  reason: string | null;
}

export type ServerMessage =
  | SnapshotMessage
  | InventoryMessage
  | BookingMessage
  | { type: "ping" }
  | { type: "error"; detail: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Parses one frame; anything malformed or unknown yields null and is ignored. */
export function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  switch (value.type) {
    case "ping":
      return { type: "ping" };
    case "error":
      return { type: "error", detail: isString(value.detail) ? value.detail : "Unknown error" };
    case "snapshot": {
      const { event_id, ticket_types, version } = value;
      if (!isString(event_id) || !Array.isArray(ticket_types) || !isNumber(version)) return null;
      const types: SnapshotMessage["ticket_types"] = [];
      for (const t of ticket_types) {
        if (!isObject(t) || !isString(t.id) || !isNumber(t.remaining)) return null;
        types.push(isNumber(t.version) ? { id: t.id, remaining: t.remaining, version: t.version } : { id: t.id, remaining: t.remaining });
      }
      return { type: "snapshot", event_id, ticket_types: types, version };
    }
    case "inventory": {
      const { event_id, ticket_type_id, remaining, version } = value;
      if (!isString(event_id) || !isString(ticket_type_id) || !isNumber(remaining) || !isNumber(version)) return null;
      return { type: "inventory", event_id, ticket_type_id, remaining, version };
    }
    case "booking": {
      const { booking_id, status, reason } = value;
      if (!isString(booking_id) || !isString(status)) return null;
      if (!["pending", "reserved", "paid", "rejected", "expired", "refunded", "cancelled"].includes(status)) return null;
      return {
        type: "booking",
        booking_id,
        status: status as BookingMessage["status"],
        reason: isString(reason) ? reason : null,
      };
    }
    default:
      return null;
  }
}
