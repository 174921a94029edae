import { useQuery } from "@tanstack/react-query";
import { ErrorMessage } from "../../../components/ErrorMessage";
import type { WaitingRoomOverview } from "../../../lib/api-types";
import { isApiError } from "../../../lib/problem";
import { overviewQueryOptions, useRoomFeed } from "../api";
import { RoomSettingsForm } from "./RoomSettingsForm";

const rateFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const STATE_TEXT: Record<WaitingRoomOverview["state"], string> = {
  waiting: "Admitting buyers",
  sold_out: "Sold out: admission paused until tickets come back",
  closed: "Closed",
};

/** An event's waiting room for its organiser: the settings, and the room live. */
export function RoomAdmin({ eventId }: { eventId: string }) {
  const query = useQuery(overviewQueryOptions(eventId));
  if (query.isPending) return <p role="status">Loading the waiting room…</p>;
  const noRoom = query.isError && isApiError(query.error, "not-found");
  if (query.isError && !noRoom) return <ErrorMessage error={query.error} retry={() => void query.refetch()} />;
  const overview = query.data ?? null;
  return (
    <section className="room-admin" aria-label="Waiting room">
      {overview?.enabled && <RoomLiveView eventId={eventId} overview={overview} />}
      <RoomSettingsForm eventId={eventId} settings={overview} />
    </section>
  );
}

/** Size, admissions and outcomes: the overview is polled, the broadcast moves "admitted" each tick. */
export function RoomLiveView({ eventId, overview }: { eventId: string; overview: WaitingRoomOverview }) {
  const feed = useRoomFeed(eventId);
  const fresher = feed && feed.now_serving >= overview.now_serving ? feed : null;
  const state = fresher?.state ?? overview.state;
  const admitted = fresher?.now_serving ?? overview.now_serving;
  const rate = fresher?.admit_per_minute ?? overview.measured_admit_per_minute;
  // Admissions the broadcast saw since the overview was read are no longer waiting.
  const waiting = Math.max(0, overview.waiting - (admitted - overview.now_serving));
  const stats: Array<[string, string, string]> = [
    ["In the room", (overview.numbered + overview.pre_queued).toLocaleString(), "room-size"],
    ["Waiting", waiting.toLocaleString(), "room-waiting"],
    ["In the pre-queue", overview.pre_queued.toLocaleString(), "room-pre-queued"],
    ["Admitted", admitted.toLocaleString(), "room-admitted"],
    ["Bought", overview.bought.toLocaleString(), "room-bought"],
    ["Admitted a minute", rate === null ? "—" : rateFormat.format(rate), "room-rate"],
  ];
  return (
    <section aria-labelledby="room-live-heading" className="room-live">
      <h2 id="room-live-heading">Waiting room live</h2>
      <p role="status" data-testid="room-admin-state" data-state={state}>
        {STATE_TEXT[state]}
        {overview.admit_per_minute === null
          ? ` · automatic rate (factor ${overview.automatic_factor})`
          : ` · ${overview.admit_per_minute.toLocaleString()} a minute`}
      </p>
      <dl className="stats">
        {stats.map(([label, value, testId]) => (
          <div key={testId}>
            <dt>{label}</dt>
            <dd data-testid={testId}>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
