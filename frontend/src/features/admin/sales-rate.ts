import { useCallback, useEffect, useState } from "react";
import type { RealtimeMessage } from "../../lib/realtime/client";
import { useRealtimeMessages } from "../../lib/realtime/react";

interface Sample {
  at: number;
  ticketTypeId: string;
  sold: number;
}

/**
 * Tracks sales speed from inventory messages: every drop in `remaining` is a sale
 * (a rise — a cancellation — counts negative). Pure, so it can be tested alone.
 */
export class SalesRateTracker {
  private readonly last = new Map<string, number>();
  private samples: Sample[] = [];
  private readonly startedAt: number;

  constructor(
    private readonly eventId: string,
    private readonly windowMs = 10_000,
    now = Date.now(),
  ) {
    this.startedAt = now;
  }

  record(message: RealtimeMessage, now = Date.now()): void {
    if (message.type === "snapshot" && message.event_id === this.eventId) {
      // A snapshot resets the baseline: the gap before it has no known timing.
      for (const t of message.ticket_types) this.last.set(t.id, t.remaining);
    } else if (message.type === "inventory" && message.event_id === this.eventId) {
      const previous = this.last.get(message.ticket_type_id);
      this.last.set(message.ticket_type_id, message.remaining);
      if (previous !== undefined && previous !== message.remaining) {
        this.samples.push({ at: now, ticketTypeId: message.ticket_type_id, sold: previous - message.remaining });
      }
    }
  }

  /** Tickets per second over the window, per ticket type and in total. */
  rates(now = Date.now()): { total: number; byTicketType: Map<string, number> } {
    const from = now - this.windowMs;
    this.samples = this.samples.filter((s) => s.at > from);
    const seconds = Math.max(1, Math.min(this.windowMs, now - this.startedAt)) / 1000;
    const byTicketType = new Map<string, number>();
    let total = 0;
    for (const s of this.samples) {
      byTicketType.set(s.ticketTypeId, (byTicketType.get(s.ticketTypeId) ?? 0) + s.sold / seconds);
      total += s.sold / seconds;
    }
    return { total, byTicketType };
  }
}

/** Live sales rate for an event, recomputed every second. */
export function useSalesRate(eventId: string, windowMs = 10_000) {
  const [tracker] = useState(() => new SalesRateTracker(eventId, windowMs));
  const [rates, setRates] = useState(() => tracker.rates());

  const record = useCallback((message: RealtimeMessage) => tracker.record(message), [tracker]);
  useRealtimeMessages(record);

  useEffect(() => {
    const id = setInterval(() => setRates(tracker.rates()), 1000);
    return () => clearInterval(id);
  }, [tracker]);
  return rates;
}
