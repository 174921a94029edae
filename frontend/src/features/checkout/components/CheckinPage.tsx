import { useMutation } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { PageHeading } from "../../../components/PageHeading";
import { formatDateTime } from "../../../lib/format";
import type { CheckinAccepted } from "../../../lib/api-types";
import { ApiError, errorMessage } from "../../../lib/problem";
import { checkIn } from "../api";
import { useQrCamera } from "../use-qr-camera";
import { CheckinCounter } from "./CheckinCounter";

type Verdict =
  | { kind: "valid"; ticket: CheckinAccepted }
  | { kind: "repeat"; code: string; firstAt: string | null }
  | { kind: "unknown"; code: string }
  | { kind: "void"; code: string }
  | { kind: "error"; code: string; message: string };

/** The same code in front of the camera is not sent again for this long. */
const SAME_CODE_PAUSE_MS = 3000;

function verdictOf(code: string, error: unknown): Verdict {
  if (error instanceof ApiError) {
    if (error.slug === "already-checked-in") {
      const firstAt = (error.problem as unknown as Record<string, unknown>).checked_in_at;
      return { kind: "repeat", code, firstAt: typeof firstAt === "string" ? firstAt : null };
    }
    if (error.slug === "ticket-void") return { kind: "void", code };
    if (error.status === 404) return { kind: "unknown", code };
  }
  return { kind: "error", code, message: errorMessage(error) };
}

const time = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

function VerdictText({ verdict }: { verdict: Verdict }) {
  switch (verdict.kind) {
    case "valid":
      return (
        <>
          <strong>Valid</strong> — {verdict.ticket.ticket_type_name}, code {verdict.ticket.code}. Let them in.
        </>
      );
    case "repeat":
      return (
        <>
          <strong>Already checked in</strong>
          {verdict.firstAt && (
            <>
              {" "}
              at <time dateTime={verdict.firstAt}>{time.format(new Date(verdict.firstAt))}</time> (
              {formatDateTime(verdict.firstAt)})
            </>
          )}{" "}
          — code {verdict.code}. Do not admit.
        </>
      );
    case "unknown":
      return (
        <>
          <strong>Unknown ticket</strong> — {verdict.code} is not a ticket. Do not admit.
        </>
      );
    case "void":
      return (
        <>
          <strong>Void ticket</strong> — {verdict.code} belongs to a refunded or cancelled booking. Do not admit.
        </>
      );
    case "error":
      return (
        <>
          <strong>Not checked</strong> — {verdict.message} Scan again.
        </>
      );
  }
}

/** The door: scan (or type) a ticket's code; each code is valid once. */
export function CheckinPage() {
  const [search] = useSearchParams();
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [code, setCode] = useState("");
  const [eventId, setEventId] = useState<string | null>(search.get("event"));
  const last = useRef<{ code: string; at: number } | null>(null);

  const scan = useMutation({
    mutationFn: (value: string) => checkIn(value),
    onSuccess: (ticket) => {
      setVerdict({ kind: "valid", ticket });
      setEventId((current) => current ?? ticket.event_id);
    },
    onError: (error, value) => setVerdict(verdictOf(value, error)),
  });

  const submit = (value: string) => {
    const trimmed = value.trim();
    if (!trimmed || scan.isPending) return;
    last.current = { code: trimmed, at: Date.now() };
    scan.mutate(trimmed);
  };

  const { supported, active, error: cameraError, start, stop, videoRef } = useQrCamera((scanned) => {
    const previous = last.current;
    if (previous && previous.code === scanned && Date.now() - previous.at < SAME_CODE_PAUSE_MS) return;
    submit(scanned);
  });

  return (
    <section>
      <PageHeading title="Check-in">Check-in</PageHeading>
      {eventId && <CheckinCounter eventId={eventId} />}

      <div
        role="status"
        aria-live="assertive"
        aria-atomic="true"
        className={`scan-result ${verdict ? `scan-${verdict.kind}` : ""}`}
        data-testid="scan-result"
        data-verdict={verdict?.kind ?? ""}
      >
        {verdict ? (
          <p>
            <span aria-hidden="true" className="scan-icon">
              {verdict.kind === "valid" ? "✓" : "✕"}
            </span>{" "}
            <VerdictText verdict={verdict} />
          </p>
        ) : (
          <p className="muted">Scan a ticket or type its code.</p>
        )}
      </div>

      <h2>Camera</h2>
      {supported ? (
        <>
          <video ref={videoRef} className="scanner-video" muted playsInline aria-label="Camera view for scanning" />
          <button
            type="button"
            className="button button-secondary"
            onClick={() => (active ? stop() : void start())}
          >
            {active ? "Stop camera" : "Start camera"}
          </button>
          {cameraError && (
            <p role="alert" className="notice notice-error">
              {cameraError} Type the code below instead.
            </p>
          )}
        </>
      ) : (
        <p className="muted">This browser cannot read QR codes from the camera: type the code below.</p>
      )}

      <h2>Enter a code</h2>
      <form
        className="checkin-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit(code);
          setCode("");
        }}
      >
        <label htmlFor="ticket-code">Ticket code</label>
        <input
          id="ticket-code"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          required
        />
        <button type="submit" className="button" disabled={scan.isPending}>
          {scan.isPending ? "Checking…" : "Check in"}
        </button>
      </form>
    </section>
  );
}
