import { type FormEvent, useId, useState } from "react";
import { useNavigate } from "react-router";
import { PageHeading } from "../../../components/PageHeading";
import type { EventCreateBody } from "../../../lib/api-types";
import { toMinorUnits } from "../../../lib/format";
import { ApiError, errorMessage } from "../../../lib/problem";
import { useCreateEvent } from "../api";

/** The server's default and least: how long a priced booking stays reserved while its buyer pays. */
const DEFAULT_PAYMENT_MINUTES = "10";
const MIN_PAYMENT_WINDOW_SECONDS = 10;

interface TicketTypeDraft {
  key: number;
  name: string;
  price: string;
  currency: string;
  capacity: string;
  perUserLimit: string;
}

let nextKey = 1;
const emptyTicketType = (): TicketTypeDraft => ({
  key: nextKey++,
  name: "",
  price: "",
  currency: "EUR",
  capacity: "",
  perUserLimit: "",
});

/** "2026-12-01T20:00" (local, from datetime-local) -> RFC 3339 with offset. */
function toIso(local: string): string {
  return new Date(local).toISOString();
}

/** Checks the form and builds the request, or returns the problems to show. */
export function buildEventBody(fields: {
  name: string;
  venue: string;
  startsAt: string;
  saleStartsAt: string;
  paymentMinutes: string;
  refundsUntil: string;
  ticketTypes: TicketTypeDraft[];
}): { body: EventCreateBody } | { problems: string[] } {
  const problems: string[] = [];
  if (!fields.name.trim()) problems.push("Enter the event's name.");
  if (!fields.venue.trim()) problems.push("Enter the venue.");
  if (!fields.startsAt || Number.isNaN(Date.parse(fields.startsAt))) problems.push("Enter when the event starts.");
  if (fields.saleStartsAt && Number.isNaN(Date.parse(fields.saleStartsAt))) problems.push("The sale start is not a valid date.");
  const paymentWindow = Math.round(Number(fields.paymentMinutes) * 60);
  if (!Number.isFinite(paymentWindow) || paymentWindow < MIN_PAYMENT_WINDOW_SECONDS) {
    problems.push("Buyers need at least 10 seconds to pay: enter the minutes, such as 10 or 0.5.");
  }
  if (fields.refundsUntil && Number.isNaN(Date.parse(fields.refundsUntil))) {
    problems.push("The refund deadline is not a valid date.");
  }
  if (fields.ticketTypes.length === 0) problems.push("Add at least one ticket type.");
  const ticketTypes = fields.ticketTypes.map((t, i) => {
    const n = i + 1;
    const currency = t.currency.trim().toUpperCase() || "EUR";
    const price = toMinorUnits(t.price, currency);
    const capacity = Number(t.capacity);
    const limit = t.perUserLimit.trim() === "" ? null : Number(t.perUserLimit);
    if (!t.name.trim()) problems.push(`Ticket type ${n}: enter a name.`);
    if (!/^[A-Z]{3}$/.test(currency)) problems.push(`Ticket type ${n}: the currency is a 3-letter code such as EUR.`);
    if (!Number.isFinite(price) || price < 0) problems.push(`Ticket type ${n}: enter a price of 0 or more.`);
    if (!Number.isInteger(capacity) || capacity < 1) problems.push(`Ticket type ${n}: the capacity is a whole number of at least 1.`);
    if (limit !== null && (!Number.isInteger(limit) || limit < 1)) {
      problems.push(`Ticket type ${n}: the per-person limit is a whole number of at least 1, or empty.`);
    }
    return { name: t.name.trim(), price_cents: price, currency, capacity, per_user_limit: limit };
  });
  if (problems.length) return { problems };
  return {
    body: {
      name: fields.name.trim(),
      venue: fields.venue.trim(),
      starts_at: toIso(fields.startsAt),
      sale_starts_at: fields.saleStartsAt ? toIso(fields.saleStartsAt) : null,
      ticket_types: ticketTypes,
      payment_window_seconds: paymentWindow,
      refunds_until: fields.refundsUntil ? toIso(fields.refundsUntil) : null,
    },
  };
}

function serverProblems(error: unknown): string[] {
  if (error instanceof ApiError && error.problem.errors?.length) {
    return error.problem.errors.map((e) => {
      const where = Array.isArray(e.loc) ? e.loc.filter((p) => p !== "body").join(" › ") : "";
      const what = typeof e.msg === "string" ? e.msg : JSON.stringify(e);
      return where ? `${where}: ${what}` : what;
    });
  }
  return [errorMessage(error)];
}

export function CreateEventPage() {
  const id = useId();
  const navigate = useNavigate();
  const create = useCreateEvent();
  const [name, setName] = useState("");
  const [venue, setVenue] = useState("");
  const [startsAt, setStartsAt] = useState("");
  const [saleStartsAt, setSaleStartsAt] = useState("");
  const [paymentMinutes, setPaymentMinutes] = useState(DEFAULT_PAYMENT_MINUTES);
  const [refundsUntil, setRefundsUntil] = useState("");
  const [ticketTypes, setTicketTypes] = useState<TicketTypeDraft[]>(() => [emptyTicketType()]);
  const [problems, setProblems] = useState<string[]>([]);

  const update = (key: number, patch: Partial<TicketTypeDraft>) =>
    setTicketTypes((list) => list.map((t) => (t.key === key ? { ...t, ...patch } : t)));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = buildEventBody({ name, venue, startsAt, saleStartsAt, paymentMinutes, refundsUntil, ticketTypes });
    if ("problems" in result) {
      setProblems(result.problems);
      return;
    }
    setProblems([]);
    create.mutate(result.body, { onSuccess: (event) => void navigate(`/admin/events/${event.id}`) });
  };

  const shown = problems.length ? problems : create.isError ? serverProblems(create.error) : [];
  return (
    <section>
      <PageHeading title="Create event">Create event</PageHeading>
      <form className="form stack" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={`${id}-name`}>Event name</label>
          <input id={`${id}-name`} required value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-venue`}>Venue</label>
          <input id={`${id}-venue`} required value={venue} onChange={(e) => setVenue(e.target.value)} />
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-starts`}>Event starts at</label>
            <input
              id={`${id}-starts`}
              type="datetime-local"
              required
              value={startsAt}
              onChange={(e) => setStartsAt(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-sale`}>Sale opens at</label>
            <input
              id={`${id}-sale`}
              type="datetime-local"
              step={1}
              aria-describedby={`${id}-sale-hint`}
              value={saleStartsAt}
              onChange={(e) => setSaleStartsAt(e.target.value)}
            />
            <p id={`${id}-sale-hint`} className="hint">
              Leave empty to open the sale now.
            </p>
          </div>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-pay`}>Minutes to pay</label>
            <input
              id={`${id}-pay`}
              type="number"
              min={0.2}
              step="any"
              aria-describedby={`${id}-pay-hint`}
              value={paymentMinutes}
              onChange={(e) => setPaymentMinutes(e.target.value)}
            />
            <p id={`${id}-pay-hint`} className="hint">
              A priced booking is reserved this long while its buyer pays, then goes back on sale.
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${id}-refunds`}>Buyers may refund until</label>
            <input
              id={`${id}-refunds`}
              type="datetime-local"
              aria-describedby={`${id}-refunds-hint`}
              value={refundsUntil}
              onChange={(e) => setRefundsUntil(e.target.value)}
            />
            <p id={`${id}-refunds-hint`} className="hint">
              Leave empty if only you refund.
            </p>
          </div>
        </div>
        <fieldset className="stack">
          <legend>Ticket types</legend>
          {ticketTypes.map((t, index) => (
            <fieldset key={t.key} className="card ticket-type-draft">
              <legend>Ticket type {index + 1}</legend>
              <div className="field-grid">
                <div className="field">
                  <label htmlFor={`${id}-${t.key}-name`}>Name</label>
                  <input id={`${id}-${t.key}-name`} value={t.name} onChange={(e) => update(t.key, { name: e.target.value })} />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-${t.key}-price`}>Price</label>
                  <input
                    id={`${id}-${t.key}-price`}
                    inputMode="decimal"
                    placeholder="45.00"
                    value={t.price}
                    onChange={(e) => update(t.key, { price: e.target.value })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-${t.key}-currency`}>Currency</label>
                  <input
                    id={`${id}-${t.key}-currency`}
                    maxLength={3}
                    autoCapitalize="characters"
                    value={t.currency}
                    onChange={(e) => update(t.key, { currency: e.target.value })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-${t.key}-capacity`}>Capacity</label>
                  <input
                    id={`${id}-${t.key}-capacity`}
                    type="number"
                    min={1}
                    step={1}
                    value={t.capacity}
                    onChange={(e) => update(t.key, { capacity: e.target.value })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-${t.key}-limit`}>Per-person limit</label>
                  <input
                    id={`${id}-${t.key}-limit`}
                    type="number"
                    min={1}
                    step={1}
                    placeholder="none"
                    value={t.perUserLimit}
                    onChange={(e) => update(t.key, { perUserLimit: e.target.value })}
                  />
                </div>
              </div>
              {ticketTypes.length > 1 && (
                <button
                  type="button"
                  className="button button-secondary"
                  onClick={() => setTicketTypes((list) => list.filter((x) => x.key !== t.key))}
                >
                  Remove ticket type {index + 1}
                </button>
              )}
            </fieldset>
          ))}
          <button
            type="button"
            className="button button-secondary"
            onClick={() => setTicketTypes((list) => [...list, emptyTicketType()])}
          >
            Add ticket type
          </button>
        </fieldset>
        {shown.length > 0 && (
          <div role="alert" className="notice notice-error">
            <p>The event could not be created:</p>
            <ul>
              {shown.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </div>
        )}
        <button type="submit" className="button" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create event"}
        </button>
      </form>
    </section>
  );
}
