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

const BOOKING_STATUSES = [
  "pending",
  "reserved",
  "paid",
  "rejected",
  "expired",
  "refunded",
  "cancelled",
] as const;

export interface BookingMessage {
  type: "booking";
  booking_id: string;
  status: (typeof BOOKING_STATUSES)[number];
  reason: string | null;
  /** The payment deadline, when the server sends it with a reservation. */
  expires_at?: string | null;
}

/** Check-in progress of an event, sent to its subscribers on every scan. */
export interface CheckinsMessage {
  type: "checkins";
  event_id: string;
  issued: number;
  checked_in: number;
}

/** One per event per tick: each buyer computes their own position from now_serving. */
export interface WaitingRoomMessage {
  type: "waiting_room";
  event_id: string;
  state: "waiting" | "sold_out" | "closed";
  now_serving: number;
  /** The measured admissions a minute; null while unknown. */
  admit_per_minute: number | null;
}

/** A ticket type's waiting-list offers moved on: its buyers ask for their place again. */
export interface WaitingListMessage {
  type: "waiting_list";
  event_id: string;
  ticket_type_id: string;
  offered_through: number;
}

export type ServerMessage =
  | SnapshotMessage
  | InventoryMessage
  | BookingMessage
  | WaitingRoomMessage
  | WaitingListMessage
  | CheckinsMessage
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
      const { booking_id, status, reason, expires_at } = value;
      if (!isString(booking_id) || !isString(status)) return null;
      if (!(BOOKING_STATUSES as readonly string[]).includes(status)) return null;
      return {
        type: "booking",
        booking_id,
        status: status as BookingMessage["status"],
        reason: isString(reason) ? reason : null,
        ...(isString(expires_at) || expires_at === null ? { expires_at } : {}),
      };
    }
    case "waiting_room": {
      const { event_id, state, now_serving, admit_per_minute } = value;
      if (!isString(event_id) || !isString(state) || !isNumber(now_serving)) return null;
      if (!["waiting", "sold_out", "closed"].includes(state)) return null;
      return {
        type: "waiting_room",
        event_id,
        state: state as WaitingRoomMessage["state"],
        now_serving,
        admit_per_minute: isNumber(admit_per_minute) ? admit_per_minute : null,
      };
    }
    case "waiting_list": {
      const { event_id, ticket_type_id, offered_through } = value;
      if (!isString(event_id) || !isString(ticket_type_id) || !isNumber(offered_through)) return null;
      return { type: "waiting_list", event_id, ticket_type_id, offered_through };
    }
    case "checkins": {
      const { event_id, issued, checked_in } = value;
      if (!isString(event_id) || !isNumber(issued) || !isNumber(checked_in)) return null;
      return { type: "checkins", event_id, issued, checked_in };
    }
    default:
      return null;
  }
}
