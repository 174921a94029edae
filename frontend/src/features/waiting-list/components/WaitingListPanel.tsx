import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import type { Event, TicketType } from "../../../lib/api-types";
import { formatCountdown, formatDateTime } from "../../../lib/format";
import { ApiError, errorMessage } from "../../../lib/problem";
import { queryKeys } from "../../../lib/query-keys";
import { PurchaseForm } from "../../bookings/components/PurchaseForm";
import { useSaleCountdown } from "../../events/use-sale-countdown";
import { myWaitlistQueryOptions, useJoinWaitlist, useLeaveWaitlist, WAITLIST_POLL_MS, type WaitlistPlace } from "../api";

/** A sold-out ticket type's waiting list for the signed-in buyer: join, their place, an offer. */
export function WaitingListPanel({ event, ticketType }: { event: Event; ticketType: TicketType }) {
  const query = useQuery({
    ...myWaitlistQueryOptions(event.id),
    refetchInterval: (q) =>
      q.state.data?.places.some((p) => p.state === "waiting" || p.state === "offered") ? WAITLIST_POLL_MS : false,
  });
  const place = query.data?.places.find((p) => p.ticket_type_id === ticketType.id);
  const join = useJoinWaitlist(event.id);
  const leave = useLeaveWaitlist(event.id);
  const queryClient = useQueryClient();
  const notSoldOut = join.error instanceof ApiError && join.error.slug === "not-sold-out";
  useEffect(() => {
    // Tickets are back on sale: the buyer should see them and just buy.
    if (notSoldOut) void queryClient.invalidateQueries({ queryKey: queryKeys.events.detail(event.id) });
  }, [notSoldOut, queryClient, event.id]);

  const joinButton = (label: string) => (
    <button type="button" className="button" disabled={join.isPending} onClick={() => join.mutate(ticketType.id)}>
      {join.isPending ? "Joining…" : label}
    </button>
  );
  return (
    <div className="waiting-list" data-testid={`waiting-list-${ticketType.id}`}>
      <div aria-live="polite" className="waiting-list-status">
        {join.error ? (
          <p className="notice notice-error" role="alert">
            {notSoldOut ? "Tickets are available again — buy them above." : errorMessage(join.error)}
          </p>
        ) : null}
        {place ? <PlaceState event={event} ticketType={ticketType} place={place} /> : null}
      </div>
      {!place || place.state === "left" || place.state === "lapsed" ? (
        joinButton(place?.state === "lapsed" ? "Join the waiting list again" : "Join the waiting list")
      ) : place.state === "waiting" ? (
        <button
          type="button"
          className="button button-secondary"
          disabled={leave.isPending}
          onClick={() => leave.mutate(ticketType.id)}
        >
          Leave the waiting list
        </button>
      ) : null}
    </div>
  );
}

function PlaceState({ event, ticketType, place }: { event: Event; ticketType: TicketType; place: WaitlistPlace }) {
  switch (place.state) {
    case "waiting":
      return (
        <p className="notice" data-testid="waitlist-position">
          You're number {place.position ?? "—"} on the waiting list for {ticketType.name}. If a ticket comes back,
          it is offered to you here.
        </p>
      );
    case "offered":
      return <Offer event={event} ticketType={ticketType} place={place} />;
    case "bought":
      return <p className="notice notice-success">You bought your ticket from the waiting list.</p>;
    case "lapsed":
      return <p className="notice">Your offer ran out unused and passed to the next in line.</p>;
    case "left":
      return null;
  }
}

function Offer({ event, ticketType, place }: { event: Event; ticketType: TicketType; place: WaitlistPlace }) {
  const countdown = useSaleCountdown(place.offer_expires_at, 1000);
  // The offer holds one ticket for this buyer, whatever the public count says.
  const offered: TicketType = { ...ticketType, remaining: 1, per_user_limit: 1 };
  return (
    <section className="card offer" aria-labelledby={`offer-${ticketType.id}`} data-testid="waitlist-offer">
      <h3 id={`offer-${ticketType.id}`}>A ticket is yours to buy</h3>
      {place.offer_expires_at && (
        <p>
          Offer ends in{" "}
          <time dateTime={place.offer_expires_at} aria-hidden="true" className="countdown-clock">
            {formatCountdown(countdown.msLeft)}
          </time>
          <span className="visually-hidden"> at {formatDateTime(place.offer_expires_at)}</span>; then it passes to the
          next in line.
        </p>
      )}
      <PurchaseForm event={event} ticketType={offered} saleOpen={!countdown.open} signedIn admissionPass={place.pass} />
    </section>
  );
}
