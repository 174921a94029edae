import { useQuery } from "@tanstack/react-query";
import { useLiveEvents } from "../../../lib/realtime/react";
import { checkinsQueryOptions } from "../api";

/** "Checked in: 12 of 200", live over the socket while shown. */
export function CheckinCounter({ eventId }: { eventId: string }) {
  useLiveEvents([eventId]);
  const query = useQuery(checkinsQueryOptions(eventId));
  if (query.isError) return <p className="notice notice-error">The check-in count could not be loaded.</p>;
  return (
    <p className="checkin-count" aria-live="polite" data-testid="checkin-count">
      Checked in:{" "}
      {query.data ? (
        <>
          <strong>{query.data.checked_in.toLocaleString()}</strong> of {query.data.issued.toLocaleString()} tickets
        </>
      ) : (
        "…"
      )}
    </p>
  );
}
