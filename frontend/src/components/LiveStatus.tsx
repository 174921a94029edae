import { useConnectionStatus, useIsEventLive } from "../lib/realtime/react";

/** "Live" while an event's numbers come from the socket; "reconnecting…" while they are stale. */
export function LiveBadge({ eventId }: { eventId: string }) {
  const live = useIsEventLive(eventId);
  const status = useConnectionStatus();
  if (live) {
    return (
      <span className="badge badge-live" data-testid="live-badge">
        <span aria-hidden="true" className="dot" /> Live
      </span>
    );
  }
  return (
    <span className="badge badge-stale" data-testid="stale-badge">
      {status === "connecting" ? "Connecting…" : status === "connected" ? "Updating…" : "Reconnecting…"}
      <span className="visually-hidden"> Numbers shown may be out of date.</span>
    </span>
  );
}

/** A remaining count, greyed out and marked stale whenever it is not live. */
export function RemainingCount({ eventId, ticketTypeId, remaining, label }: {
  eventId: string;
  ticketTypeId: string;
  remaining: number;
  label?: string;
}) {
  const live = useIsEventLive(eventId);
  return (
    <span
      className={live ? "remaining" : "remaining is-stale"}
      data-testid={`remaining-${ticketTypeId}`}
      data-remaining={remaining}
      data-stale={live ? "false" : "true"}
      aria-live="polite"
      aria-atomic="true"
    >
      {label ? <span className="visually-hidden">{label}: </span> : null}
      {remaining === 0 ? "Sold out" : `${remaining.toLocaleString()} left`}
      {live ? null : <span className="visually-hidden"> (may be out of date)</span>}
    </span>
  );
}

/** A polite live region that speaks up only when the socket is lost. */
export function ConnectionIndicator() {
  const status = useConnectionStatus();
  const lost = status === "reconnecting" || status === "closed";
  return (
    <div role="status" className={lost ? "connection-banner" : "connection-banner is-empty"} data-testid="connection-banner">
      {lost ? "Live updates lost — reconnecting… Numbers shown may be out of date." : null}
    </div>
  );
}
