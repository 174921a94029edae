import {
  type BookingMessage,
  type CheckinsMessage,
  type ClientMessage,
  type InventoryMessage,
  parseServerMessage,
  type SnapshotMessage,
  type WaitingListMessage,
  type WaitingRoomMessage,
} from "./protocol";

/**
 * One WebSocket per tab for live stock and booking status.
 *
 * - Subscriptions are reference counted per event and replayed after every
 *   (re)connect; the snapshot that follows each subscribe is taken as truth.
 * - Inventory messages older than (or as old as) what is known for their ticket
 *   type are dropped, so a late frame never moves a number backwards.
 * - Reconnects use exponential backoff with jitter, so a crowd of buyers does not
 *   reconnect in the same millisecond after a blip.
 * - Framework free: React reads `getState` through useSyncExternalStore and the
 *   query cache is fed through `onMessage` (see cache-bridge.ts).
 */

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "closed";

export interface RealtimeState {
  readonly status: ConnectionStatus;
  /** Events whose snapshot arrived on the current connection: their numbers are live. */
  readonly liveEvents: ReadonlySet<string>;
  /** Failed connection attempts since the last successful open. */
  readonly attempt: number;
  /** Epoch ms of the next reconnect attempt while reconnecting, else null. */
  readonly nextRetryAt: number | null;
}

export type RealtimeMessage =
  | SnapshotMessage
  | InventoryMessage
  | BookingMessage
  | WaitingRoomMessage
  | WaitingListMessage
  | CheckinsMessage;

/** The part of the browser WebSocket this client uses, so tests can inject a fake. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = new (url: string) => SocketLike;

export interface RealtimeOptions {
  /** Absolute ws(s):// URL, or a function computing it at connect time. */
  url: string | (() => string);
  WebSocket?: SocketFactory;
  /** First reconnect delay ceiling; doubles per failed attempt. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** [0, 1) — injected in tests to make jitter deterministic. */
  random?: () => number;
  /** No frame (the server pings every ~20 s) for this long = a dead connection. */
  idleTimeoutMs?: number;
  /** Give up on a handshake that neither opens nor fails after this long. */
  connectTimeoutMs?: number;
  /** Where to listen for "online"/"offline"; defaults to window when there is one. */
  networkEvents?: Pick<EventTarget, "addEventListener" | "removeEventListener"> | null;
}

const OPEN = 1;

export function realtimeUrl(path = "/api/realtime"): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss:" : "ws:"}//${host}${path}`;
}

export class RealtimeClient {
  private readonly opts: Required<Omit<RealtimeOptions, "networkEvents">> & {
    networkEvents: RealtimeOptions["networkEvents"];
  };
  private socket: SocketLike | null = null;
  private state: RealtimeState = { status: "connecting", liveEvents: new Set(), attempt: 0, nextRetryAt: null };
  private started = false;
  private disposed = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;

  private readonly subscriptions = new Map<string, number>();
  private readonly watched = new Map<string, number>();
  /** Last accepted version per ticket type. */
  private readonly versions = new Map<string, number>();
  /** Ticket types seen per event, to forget their versions on unsubscribe. */
  private readonly eventTicketTypes = new Map<string, Set<string>>();

  private readonly stateListeners = new Set<() => void>();
  private readonly messageListeners = new Set<(message: RealtimeMessage) => void>();
  private readonly errorListeners = new Set<(detail: string) => void>();

  constructor(options: RealtimeOptions) {
    const defaultTarget = typeof window === "undefined" ? null : window;
    this.opts = {
      url: options.url,
      WebSocket: options.WebSocket ?? (globalThis.WebSocket as unknown as SocketFactory),
      initialDelayMs: options.initialDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      random: options.random ?? Math.random,
      idleTimeoutMs: options.idleTimeoutMs ?? 45_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      networkEvents: options.networkEvents === undefined ? defaultTarget : options.networkEvents,
    };
  }

  // ---- lifecycle -------------------------------------------------------------

  start(): void {
    if (this.started || this.disposed) return;
    this.started = true;
    this.opts.networkEvents?.addEventListener("offline", this.handleOffline);
    this.opts.networkEvents?.addEventListener("online", this.handleOnline);
    this.connect();
  }

  /** Closes the socket for good; subscriptions are forgotten. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.opts.networkEvents?.removeEventListener("offline", this.handleOffline);
    this.opts.networkEvents?.removeEventListener("online", this.handleOnline);
    this.clearTimers();
    this.abandonSocket(1000, "client closed");
    this.setState({ status: "closed", liveEvents: new Set(), nextRetryAt: null });
  }

  /**
   * Drops the current connection and opens a new one at once — after log-in or
   * log-out, since the socket is authenticated by the cookie at the handshake.
   */
  reconnect(): void {
    if (!this.started || this.disposed) return;
    this.clearTimers();
    this.abandonSocket(1000, "reconnect");
    this.setState({ attempt: 0 });
    this.connect();
  }

  // ---- subscriptions -----------------------------------------------------------

  /** Live numbers for an event until the returned function is called. */
  subscribe(eventId: string): () => void {
    return hold(
      this.subscriptions,
      eventId,
      () => this.send({ type: "subscribe", event_id: eventId }),
      () => this.unsubscribe(eventId),
    );
  }

  /** Status messages for a booking (with a replay of its current status) until released. */
  watch(bookingId: string): () => void {
    // The server has no "unwatch": the last release only stops the replays on reconnect.
    return hold(
      this.watched,
      bookingId,
      () => this.send({ type: "watch", booking_id: bookingId }),
      () => {},
    );
  }

  private unsubscribe(eventId: string): void {
    this.send({ type: "unsubscribe", event_id: eventId });
    for (const ticketTypeId of this.eventTicketTypes.get(eventId) ?? []) this.versions.delete(ticketTypeId);
    this.eventTicketTypes.delete(eventId);
    if (this.state.liveEvents.has(eventId)) {
      const liveEvents = new Set(this.state.liveEvents);
      liveEvents.delete(eventId);
      this.setState({ liveEvents });
    }
  }

  // ---- observation -------------------------------------------------------------

  getState = (): RealtimeState => this.state;

  /** For useSyncExternalStore. */
  subscribeState = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  };

  /** Accepted snapshot, inventory, booking, waiting room/list and check-in messages, in arrival order. */
  onMessage(listener: (message: RealtimeMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  onServerError(listener: (detail: string) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  isLive(eventId: string): boolean {
    return this.state.status === "connected" && this.state.liveEvents.has(eventId);
  }

  // ---- connection ----------------------------------------------------------------

  private connect(): void {
    if (this.disposed) return;
    this.retryTimer = null;
    const url = typeof this.opts.url === "function" ? this.opts.url() : this.opts.url;
    let socket: SocketLike;
    try {
      socket = new this.opts.WebSocket(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.setState({
      status: this.state.attempt === 0 && this.state.status !== "reconnecting" ? "connecting" : "reconnecting",
      nextRetryAt: null,
    });
    socket.onopen = () => {
      if (socket !== this.socket) return;
      this.clearConnectTimer();
      this.setState({ status: "connected", attempt: 0, nextRetryAt: null, liveEvents: new Set() });
      this.armIdleTimer();
      for (const eventId of this.subscriptions.keys()) this.send({ type: "subscribe", event_id: eventId });
      for (const bookingId of this.watched.keys()) this.send({ type: "watch", booking_id: bookingId });
    };
    socket.onmessage = (ev) => {
      if (socket !== this.socket) return;
      this.armIdleTimer();
      this.handleFrame(ev.data);
    };
    socket.onclose = () => {
      if (socket !== this.socket) return;
      this.lost();
    };
    socket.onerror = () => {
      // A close event always follows; nothing to do here.
    };
    this.connectTimer = setTimeout(() => {
      if (socket === this.socket && socket.readyState !== OPEN) this.lost();
    }, this.opts.connectTimeoutMs);
  }

  /** The connection is gone (closed, timed out or the network went away). */
  private lost(): void {
    if (this.disposed) return;
    this.abandonSocket(4000, "connection lost");
    this.clearIdleTimer();
    this.clearConnectTimer();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.retryTimer !== null) return;
    const delay = this.backoffDelay(this.state.attempt);
    this.setState({
      status: "reconnecting",
      liveEvents: new Set(),
      attempt: this.state.attempt + 1,
      nextRetryAt: Date.now() + delay,
    });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Equal jitter: half the exponential ceiling, plus a random share of the other half. */
  backoffDelay(attempt: number): number {
    const ceiling = Math.min(this.opts.maxDelayMs, this.opts.initialDelayMs * 2 ** attempt);
    return Math.round(ceiling / 2 + this.opts.random() * (ceiling / 2));
  }

  /** Detaches and closes the current socket without waiting for its close event. */
  private abandonSocket(code: number, reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(code, reason);
    } catch {
      // Already closed.
    }
  }

  private handleOffline = (): void => {
    if (this.disposed || !this.started) return;
    // The browser knows the network is gone before TCP does: show stale numbers now.
    if (this.socket) this.lost();
  };

  private handleOnline = (): void => {
    if (this.disposed || !this.started) return;
    if (this.state.status === "reconnecting") {
      // Try again at once instead of waiting out the backoff, and start the backoff
      // over: the failures so far were the network being away.
      if (this.retryTimer !== null) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.abandonSocket(1000, "network back");
      this.clearConnectTimer();
      this.setState({ attempt: 0 });
      this.connect();
    }
  };

  // ---- frames --------------------------------------------------------------------------

  private handleFrame(data: unknown): void {
    const message = parseServerMessage(data);
    if (!message) return;
    switch (message.type) {
      case "ping":
        this.send({ type: "pong" });
        return;
      case "error":
        for (const listener of this.errorListeners) listener(message.detail);
        return;
      case "snapshot":
        this.acceptSnapshot(message);
        return;
      case "inventory":
        this.acceptInventory(message);
        return;
      case "booking":
        this.emit(message);
        return;
      case "waiting_room":
      case "waiting_list":
      case "checkins":
        if (this.subscriptions.has(message.event_id)) this.emit(message);
        return;
    }
  }

  private acceptSnapshot(message: SnapshotMessage): void {
    if (!this.subscriptions.has(message.event_id)) return;
    // The snapshot is the truth: its versions replace what we knew, even lower ones
    // (a restarted server may count again from the start).
    const seen = this.eventTicketTypes.get(message.event_id) ?? new Set<string>();
    for (const ticketType of message.ticket_types) {
      this.versions.set(ticketType.id, ticketType.version ?? message.version);
      seen.add(ticketType.id);
    }
    this.eventTicketTypes.set(message.event_id, seen);
    this.emit(message);
    if (!this.state.liveEvents.has(message.event_id)) {
      this.setState({ liveEvents: new Set(this.state.liveEvents).add(message.event_id) });
    }
  }

  private acceptInventory(message: InventoryMessage): void {
    if (!this.subscriptions.has(message.event_id)) return;
    const known = this.versions.get(message.ticket_type_id);
    if (known !== undefined && message.version <= known) return;
    this.versions.set(message.ticket_type_id, message.version);
    let seen = this.eventTicketTypes.get(message.event_id);
    if (!seen) this.eventTicketTypes.set(message.event_id, (seen = new Set()));
    seen.add(message.ticket_type_id);
    this.emit(message);
  }

  private emit(message: RealtimeMessage): void {
    for (const listener of this.messageListeners) listener(message);
  }

  private send(message: ClientMessage): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN || this.state.status !== "connected") return;
    try {
      socket.send(JSON.stringify(message));
    } catch {
      // The close event will follow and the subscriptions are replayed on reconnect.
    }
  }

  // ---- plumbing ------------------------------------------------------------------------

  private setState(patch: Partial<RealtimeState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.stateListeners) listener();
  }

  private armIdleTimer(): void {
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => this.lost(), this.opts.idleTimeoutMs);
  }

  private clearIdleTimer(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.clearIdleTimer();
    this.clearConnectTimer();
  }
}

/**
 * Counts the holders of each id in `counts`: `first` runs when the first takes it and
 * `last` when the last lets it go. Each returned release counts once, however often called.
 */
function hold(counts: Map<string, number>, id: string, first: () => void, last: () => void): () => void {
  const count = counts.get(id) ?? 0;
  counts.set(id, count + 1);
  if (count === 0) first();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const left = (counts.get(id) ?? 1) - 1;
    if (left > 0) {
      counts.set(id, left);
      return;
    }
    counts.delete(id);
    last();
  };
}
