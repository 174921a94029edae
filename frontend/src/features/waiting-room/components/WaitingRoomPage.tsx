import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { ErrorMessage } from "../../../components/ErrorMessage";
import { LiveBadge } from "../../../components/LiveStatus";
import { NotFound } from "../../../components/NotFound";
import { PageHeading } from "../../../components/PageHeading";
import type { Event, WaitingRoomPlace } from "../../../lib/api-types";
import { formatDateTime, formatMoney } from "../../../lib/format";
import { isApiError } from "../../../lib/problem";
import { useIsEventLive, useLiveEvents } from "../../../lib/realtime/react";
import { PurchaseForm } from "../../bookings/components/PurchaseForm";
import { eventQueryOptions } from "../../events/api";
import { SaleCountdown } from "../../events/components/SaleCountdown";
import { useSaleCountdown } from "../../events/use-sale-countdown";
import { WaitingListPanel } from "../../waiting-list/components/WaitingListPanel";
import { PLACE_POLL_MS, placeQueryOptions, useJoinWaitingRoom, useRoomFeed } from "../api";
import { describeWait, type LivePlace, livePlace } from "../position";

/** A buyer's place in an event's waiting room, live from join to purchase. */
export function WaitingRoomPage() {
  const { eventId = "" } = useParams();
  const queryClient = useQueryClient();
  const query = useQuery(eventQueryOptions(eventId, queryClient));
  useLiveEvents(query.data ? [eventId] : []);

  if (query.isPending) return <p role="status">Loading event…</p>;
  if (query.isError) {
    if (isApiError(query.error, "not-found")) return <NotFound title="Event not found" />;
    return <ErrorMessage error={query.error} retry={() => void query.refetch()} />;
  }
  return <WaitingRoom event={query.data} />;
}

function WaitingRoom({ event }: { event: Event }) {
  const opening = useSaleCountdown(event.waiting_room_opens_at);
  const join = useJoinWaitingRoom(event.id);
  const { mutate: joinRoom } = join;
  // Joined once the room opens (at once when it is open): the same place on every call.
  useEffect(() => {
    if (opening.open) joinRoom();
  }, [opening.open, joinRoom]);

  return (
    <article className="waiting-room">
      <PageHeading title={`Waiting room · ${event.name}`}>Waiting room: {event.name}</PageHeading>
      <p className="muted">
        {event.venue} · <time dateTime={event.starts_at}>{formatDateTime(event.starts_at)}</time> ·{" "}
        <Link to={`/events/${event.id}`}>Event page</Link>
      </p>
      {!opening.open && event.waiting_room_opens_at ? (
        <RoomNotOpen opensAt={event.waiting_room_opens_at} msLeft={opening.msLeft} />
      ) : join.isError ? (
        <JoinFailed error={join.error} event={event} retry={() => join.mutate()} />
      ) : join.isSuccess ? (
        <Place event={event} />
      ) : (
        <p role="status">Getting you a place in line…</p>
      )}
    </article>
  );
}

function RoomNotOpen({ opensAt, msLeft }: { opensAt: string; msLeft: number }) {
  return (
    <section className="card room-state" aria-labelledby="room-state">
      <h2 id="room-state">The waiting room opens soon</h2>
      <SaleCountdown label="Waiting room opens in" saleStartsAt={opensAt} msLeft={msLeft} />
      <p>Keep this page open: you get in line by yourself when it opens.</p>
    </section>
  );
}

function JoinFailed({ error, event, retry }: { error: unknown; event: Event; retry: () => void }) {
  if (isApiError(error, "not-found")) {
    return (
      <p className="notice">
        This event has no waiting room: <Link to={`/events/${event.id}`}>buy on the event page</Link>.
      </p>
    );
  }
  if (isApiError(error, "waiting-room-not-open")) {
    return <p className="notice" role="status">{error.message}</p>;
  }
  return <ErrorMessage error={error} retry={retry} />;
}

function Place({ event }: { event: Event }) {
  const live = useIsEventLive(event.id);
  const feed = useRoomFeed(event.id);
  const query = useQuery({
    ...placeQueryOptions(event.id),
    // Numbers come from the socket while it is live; without it (or while the lottery has
    // not numbered the place yet) the place is asked for again.
    refetchInterval: (q) => {
      const place = q.state.data;
      if (!place || place.state === "closed" || (place.state === "admitted" && place.pass)) return false;
      return live && place.number !== null ? false : PLACE_POLL_MS;
    },
  });
  const place = query.data;
  const now = place ? livePlace(place, feed) : null;
  const needsPass = now?.state === "admitted" && !place?.pass;
  const passExpiry = useSaleCountdown(place?.pass ? place.pass_expires_at : null, 1000);
  const passLapsed = Boolean(place?.pass && place.pass_expires_at && passExpiry.open);
  const { refetch } = query;
  useEffect(() => {
    // The broadcast says it is this buyer's turn: their pass comes from /me. Once the pass
    // has run out, /me says the place is closed.
    if (needsPass || passLapsed) void refetch();
  }, [needsPass, passLapsed, refetch]);

  if (!place || !now) return <p role="status">Getting you a place in line…</p>;
  return (
    <>
      <div className="section-head">
        <h2 className="visually-hidden">Your place</h2>
        <LiveBadge eventId={event.id} />
      </div>
      <PlaceState event={event} place={place} now={now} />
    </>
  );
}

function PlaceState({ event, place, now }: { event: Event; place: WaitingRoomPlace; now: LivePlace }) {
  switch (now.state) {
    case "lottery":
      return (
        <StateCard title="You're in the pre-queue" testState="lottery">
          <p>
            When the sale starts{event.sale_starts_at ? ` (${formatDateTime(event.sale_starts_at)})` : ""}, everyone in
            the pre-queue gets a place in a random order: arriving early or at the last second makes no difference.
          </p>
          <WhatNext />
        </StateCard>
      );
    case "waiting":
      return (
        <StateCard title="You're in line" testState="waiting">
          <Progress now={now} />
          <WhatNext />
        </StateCard>
      );
    case "admitted":
      return <Admitted event={event} place={place} />;
    case "sold_out":
      return (
        <StateCard title="Sold out" testState="sold_out">
          <p>
            Every ticket has been sold. If tickets come back (a cancellation), the line moves on again by itself: keep
            this page open.
          </p>
          <WaitingLists event={event} />
        </StateCard>
      );
    case "closed":
      return (
        <StateCard title="The waiting room is closed" testState="closed">
          <p>The event has started, or your turn came and your pass ran out unused.</p>
          <p>
            <Link to={`/events/${event.id}`}>Back to the event</Link>
          </p>
        </StateCard>
      );
  }
}

function StateCard({ title, testState, children }: { title: string; testState: LivePlace["state"]; children: ReactNode }) {
  return (
    <section className="card room-state" aria-labelledby="room-state" data-testid="room-state" data-state={testState}>
      <h2 id="room-state">{title}</h2>
      {/* Spoken when the state changes, so the buyer need not watch the page. */}
      <p role="status" className="visually-hidden">
        {title}
      </p>
      {children}
    </section>
  );
}

function Progress({ now }: { now: LivePlace }) {
  // The bar runs from the position first seen on this page to the front of the line.
  const position = now.position ?? 0;
  const [longest, setLongest] = useState(position);
  if (position > longest) setLongest(position);
  const from = Math.max(1, longest, position);
  return (
    <>
      <dl className="stats">
        <div>
          <dt>Your position</dt>
          <dd data-testid="room-position">{position.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Estimated wait</dt>
          <dd data-testid="room-wait">{describeWait(now.estimatedWaitSeconds)}</dd>
        </div>
      </dl>
      <progress className="room-progress" max={from} value={from - position} aria-label="Progress to the front of the line">
        {Math.round(((from - position) / from) * 100)} %
      </progress>
    </>
  );
}

function WhatNext() {
  return (
    <p className="muted">
      What happens next: buyers are let in a few at a time, in line order. When it is your turn this page takes you
      straight to the purchase — no need to reload; you then have a few minutes to buy.
    </p>
  );
}

function Admitted({ event, place }: { event: Event; place: WaitingRoomPlace }) {
  return (
    <StateCard title="It's your turn" testState="admitted">
      {place.pass ? (
        <>
          {place.pass_expires_at && (
            <p>
              Buy before <time dateTime={place.pass_expires_at}>{formatDateTime(place.pass_expires_at)}</time>, when
              your pass runs out.
            </p>
          )}
          <ul className="ticket-types">
            {event.ticket_types.map((ticketType) => (
              <li key={ticketType.id} className="card ticket-type" aria-labelledby={`room-tt-${ticketType.id}`}>
                <div className="ticket-type-head">
                  <h3 id={`room-tt-${ticketType.id}`}>{ticketType.name}</h3>
                  <p className="price">{formatMoney(ticketType.price_cents, ticketType.currency)}</p>
                </div>
                <PurchaseForm event={event} ticketType={ticketType} saleOpen signedIn admissionPass={place.pass} />
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p role="status">Getting your pass…</p>
      )}
    </StateCard>
  );
}

function WaitingLists({ event }: { event: Event }) {
  const soldOut = event.ticket_types.filter((t) => t.remaining === 0);
  if (!soldOut.length) return null;
  return (
    <ul className="ticket-types">
      {soldOut.map((ticketType) => (
        <li key={ticketType.id} className="card ticket-type" aria-label={ticketType.name}>
          <h3>{ticketType.name}</h3>
          <WaitingListPanel event={event} ticketType={ticketType} />
        </li>
      ))}
    </ul>
  );
}
