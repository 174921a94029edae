import { useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorMessage } from "../../../components/ErrorMessage";
import { LoadMoreButton } from "../../../components/LoadMoreButton";
import { PageHeading } from "../../../components/PageHeading";
import { formatDateTime } from "../../../lib/format";
import { eventsQueryOptions } from "../../events/api";

/** Organiser home: every event with a link to its live sales view. */
export function AdminPage() {
  const query = useInfiniteQuery(eventsQueryOptions);
  const events = query.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageHeading title="Organiser">Organiser</PageHeading>
      <p>
        <Link className="button" to="/admin/events/new">
          Create event
        </Link>
      </p>
      <h2>Sales</h2>
      {query.isPending ? (
        <p role="status">Loading events…</p>
      ) : query.isError ? (
        <ErrorMessage error={query.error} retry={() => void query.refetch()} />
      ) : events.length === 0 ? (
        <p>No events yet.</p>
      ) : (
        <ul className="plain-list">
          {events.map((event) => (
            <li key={event.id}>
              <Link to={`/admin/events/${event.id}`}>{event.name}</Link>{" "}
              <span className="muted">· {formatDateTime(event.starts_at)}</span>
            </li>
          ))}
        </ul>
      )}
      <LoadMoreButton query={query}>More events</LoadMoreButton>
    </>
  );
}
