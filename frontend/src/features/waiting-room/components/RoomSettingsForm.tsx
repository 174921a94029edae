import { type FormEvent, useId, useState } from "react";
import type { WaitingRoomSettings, WaitingRoomSettingsBody } from "../../../lib/api-types";
import { errorMessage } from "../../../lib/problem";
import { useSaveWaitingRoom } from "../api";

const DEFAULT_PASS_TTL_SECONDS = 600;
const DEFAULT_FACTOR = 1;

interface Draft {
  enabled: boolean;
  opensAt: string;
  automatic: boolean;
  perMinute: string;
  factor: string;
  passTtl: string;
  /** Empty: the deployment's default offer lifetime. */
  offerTtl: string;
}

/** An ISO instant as a datetime-local value in the browser's time zone. */
export function toLocalInput(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function draftOf(settings: WaitingRoomSettings | null): Draft {
  return {
    enabled: settings?.enabled ?? true,
    opensAt: settings ? toLocalInput(settings.opens_at) : "",
    automatic: settings ? settings.admit_per_minute === null : true,
    perMinute: String(settings?.admit_per_minute ?? 60),
    factor: String(settings?.automatic_factor ?? DEFAULT_FACTOR),
    passTtl: String(settings?.pass_ttl_seconds ?? DEFAULT_PASS_TTL_SECONDS),
    offerTtl: settings?.offer_ttl_seconds == null ? "" : String(settings.offer_ttl_seconds),
  };
}

/** Checks the form and builds the request, or returns the problems to show. */
export function buildRoomBody(draft: Draft): { body: WaitingRoomSettingsBody } | { problems: string[] } {
  const problems: string[] = [];
  const opens = Date.parse(draft.opensAt);
  const perMinute = Number(draft.perMinute);
  const factor = Number(draft.factor);
  const passTtl = Number(draft.passTtl);
  const offerTtl = draft.offerTtl.trim() === "" ? null : Number(draft.offerTtl);
  if (!draft.opensAt || Number.isNaN(opens)) problems.push("Enter when the waiting room opens.");
  if (!draft.automatic && (!Number.isInteger(perMinute) || perMinute < 1)) {
    problems.push("The admission rate is a whole number of buyers a minute, at least 1.");
  }
  if (draft.automatic && !(factor > 0 && factor <= 100)) problems.push("The automatic factor is above 0 and at most 100.");
  if (!Number.isInteger(passTtl) || passTtl < 30 || passTtl > 86_400) {
    problems.push("The pass is valid for 30 to 86,400 seconds.");
  }
  if (offerTtl !== null && (!Number.isInteger(offerTtl) || offerTtl < 10 || offerTtl > 86_400)) {
    problems.push("A waiting-list offer lasts 10 to 86,400 seconds, or leave it empty for the default.");
  }
  if (problems.length) return { problems };
  return {
    body: {
      opens_at: new Date(opens).toISOString(),
      admit_per_minute: draft.automatic ? null : perMinute,
      automatic_factor: draft.automatic ? factor : DEFAULT_FACTOR,
      pass_ttl_seconds: passTtl,
      offer_ttl_seconds: offerTtl,
      enabled: draft.enabled,
    },
  };
}

/** The organiser's settings of an event's waiting room (PUT …/waiting-room). */
export function RoomSettingsForm({ eventId, settings }: { eventId: string; settings: WaitingRoomSettings | null }) {
  const id = useId();
  const [draft, setDraft] = useState(() => draftOf(settings));
  const [problems, setProblems] = useState<string[]>([]);
  const save = useSaveWaitingRoom(eventId);
  const update = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const built = buildRoomBody(draft);
    if ("problems" in built) {
      setProblems(built.problems);
      return;
    }
    setProblems([]);
    save.mutate(built.body);
  };
  const shown = problems.length ? problems : save.error ? [errorMessage(save.error)] : [];

  return (
    <form className="form room-settings" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Waiting room settings</h2>
      <div className="field field-check">
        <input
          id={`${id}-enabled`}
          type="checkbox"
          checked={draft.enabled}
          onChange={(e) => update({ enabled: e.target.checked })}
        />
        <label htmlFor={`${id}-enabled`}>Put a waiting room in front of the sale</label>
      </div>
      <div className="field">
        <label htmlFor={`${id}-opens`}>Room opens at</label>
        <input
          id={`${id}-opens`}
          type="datetime-local"
          value={draft.opensAt}
          aria-describedby={`${id}-opens-hint`}
          onChange={(e) => update({ opensAt: e.target.value })}
        />
        <p id={`${id}-opens-hint`} className="muted">
          Before the sale starts: everyone who joins before the start gets a place by lottery.
        </p>
      </div>
      <fieldset>
        <legend>Admission rate</legend>
        <div className="field field-check">
          <input
            id={`${id}-automatic`}
            type="radio"
            name={`${id}-rate`}
            checked={draft.automatic}
            onChange={() => update({ automatic: true })}
          />
          <label htmlFor={`${id}-automatic`}>Automatic: by the tickets that remain</label>
        </div>
        <div className="field field-check">
          <input
            id={`${id}-fixed`}
            type="radio"
            name={`${id}-rate`}
            checked={!draft.automatic}
            onChange={() => update({ automatic: false })}
          />
          <label htmlFor={`${id}-fixed`}>Fixed</label>
        </div>
        {draft.automatic ? (
          <div className="field">
            <label htmlFor={`${id}-factor`}>Automatic factor</label>
            <input
              id={`${id}-factor`}
              type="number"
              min={0.1}
              step={0.1}
              value={draft.factor}
              aria-describedby={`${id}-factor-hint`}
              onChange={(e) => update({ factor: e.target.value })}
            />
            <p id={`${id}-factor-hint`} className="muted">
              Admit while buyers let in but not yet bought are fewer than the remaining tickets times this.
            </p>
          </div>
        ) : (
          <div className="field">
            <label htmlFor={`${id}-per-minute`}>Buyers admitted per minute</label>
            <input
              id={`${id}-per-minute`}
              type="number"
              min={1}
              step={1}
              value={draft.perMinute}
              onChange={(e) => update({ perMinute: e.target.value })}
            />
          </div>
        )}
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-ttl`}>Admission pass valid for (seconds)</label>
        <input
          id={`${id}-ttl`}
          type="number"
          min={30}
          max={86_400}
          step={1}
          value={draft.passTtl}
          onChange={(e) => update({ passTtl: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-offer-ttl`}>Waiting-list offer valid for (seconds)</label>
        <input
          id={`${id}-offer-ttl`}
          type="number"
          min={10}
          max={86_400}
          step={1}
          value={draft.offerTtl}
          aria-describedby={`${id}-offer-ttl-hint`}
          onChange={(e) => update({ offerTtl: e.target.value })}
        />
        <p id={`${id}-offer-ttl-hint`} className="muted">
          After a sell-out, a ticket that comes back is offered to the next on the waiting list for this long.
          Empty: the default.
        </p>
      </div>
      {shown.length > 0 && (
        <div role="alert" className="notice notice-error">
          <p>The waiting room could not be saved:</p>
          <ul>
            {shown.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <p role="status" className="muted">
        {save.isSuccess && !save.isPending ? "Waiting room saved." : ""}
      </p>
      <button type="submit" className="button" disabled={save.isPending}>
        {save.isPending ? "Saving…" : "Save waiting room"}
      </button>
    </form>
  );
}
