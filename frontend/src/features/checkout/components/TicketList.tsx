import { useMutation, useQuery } from "@tanstack/react-query";
import { ErrorMessage } from "../../../components/ErrorMessage";
import type { Ticket } from "../../../lib/api-types";
import { formatDateTime } from "../../../lib/format";
import { errorMessage } from "../../../lib/problem";
import { downloadFile, ticketFiles, ticketsQueryOptions } from "../api";
import { QrImage } from "./QrImage";

/** The e-tickets of a paid booking, one per admission, each with its QR code and downloads. */
export function TicketList({ bookingId }: { bookingId: string }) {
  const query = useQuery(ticketsQueryOptions(bookingId));
  if (query.isPending) return <p role="status">Loading tickets…</p>;
  if (query.isError) return <ErrorMessage error={query.error} retry={() => void query.refetch()} />;
  if (query.data.length === 0) return <p role="status">Issuing your tickets…</p>;
  return (
    <ul className="ticket-list" aria-label="Tickets">
      {query.data.map((ticket) => (
        <TicketCard key={ticket.code} ticket={ticket} />
      ))}
    </ul>
  );
}

function TicketCard({ ticket }: { ticket: Ticket }) {
  const headingId = `ticket-${ticket.code}`;
  const download = useMutation({
    mutationFn: ({ url, filename }: { url: string; filename: string }) => downloadFile(url, filename),
  });
  return (
    <li className="card ticket" aria-labelledby={headingId} data-testid="ticket">
      <h3 id={headingId} className="card-title">
        {ticket.event_name} · {ticket.ticket_type_name}
      </h3>
      <p className="muted">
        <time dateTime={ticket.starts_at}>{formatDateTime(ticket.starts_at)}</time> · code{" "}
        <code data-testid="ticket-code">{ticket.code}</code>
      </p>
      <QrImage code={ticket.code} />
      {ticket.checked_in_at && (
        <p className="muted">
          Checked in <time dateTime={ticket.checked_in_at}>{formatDateTime(ticket.checked_in_at)}</time>
        </p>
      )}
      <div className="actions">
        <button
          type="button"
          className="button button-secondary"
          disabled={download.isPending}
          aria-label={`Download PNG of ticket ${ticket.code}`}
          onClick={() => download.mutate({ url: ticketFiles.qrPng(ticket.code), filename: `ticket-${ticket.code}.png` })}
        >
          Download PNG
        </button>
        <button
          type="button"
          className="button button-secondary"
          disabled={download.isPending}
          aria-label={`Download PDF of ticket ${ticket.code}`}
          onClick={() => download.mutate({ url: ticketFiles.pdf(ticket.code), filename: `ticket-${ticket.code}.pdf` })}
        >
          Download PDF
        </button>
      </div>
      {download.isError && (
        <p role="alert" className="notice notice-error">
          The download failed: {errorMessage(download.error)}
        </p>
      )}
    </li>
  );
}
