import type { WaitingRoomPlace } from "../../lib/api-types";
import type { WaitingRoomMessage } from "../../lib/realtime/protocol";

export interface LivePlace {
  /** `lottery`: joined before the start, waiting for the draw that numbers the pre-queue. */
  state: "lottery" | "waiting" | "admitted" | "sold_out" | "closed";
  number: number | null;
  /** Places ahead, one's own included (1: next); null when unknown. */
  position: number | null;
  estimatedWaitSeconds: number | null;
}

/**
 * The buyer's place now, from their number (join or me) and the room's latest broadcast:
 * the server sends one `now_serving` counter per event, and each buyer works out their own
 * position (docs/waiting-room.md). A broadcast older than the place is ignored.
 */
export function livePlace(place: WaitingRoomPlace, feed: WaitingRoomMessage | undefined): LivePlace {
  const { number } = place;
  if (place.state === "closed" || place.state === "admitted" || !feed || feed.now_serving < place.now_serving) {
    return fromPlace(place);
  }
  if (feed.state === "closed") return { state: "closed", number, position: null, estimatedWaitSeconds: null };
  if (number !== null && number <= feed.now_serving) {
    return { state: "admitted", number, position: 0, estimatedWaitSeconds: 0 };
  }
  if (feed.state === "sold_out") return { state: "sold_out", number, position: positionOf(number, feed.now_serving), estimatedWaitSeconds: null };
  if (number === null) return { state: "lottery", number, position: null, estimatedWaitSeconds: null };
  const position = number - feed.now_serving;
  return { state: "waiting", number, position, estimatedWaitSeconds: waitSeconds(position, feed.admit_per_minute) };
}

function fromPlace(place: WaitingRoomPlace): LivePlace {
  const state = place.state === "waiting" && place.number === null ? "lottery" : place.state;
  return {
    state,
    number: place.number,
    position: place.position,
    estimatedWaitSeconds: place.estimated_wait_seconds,
  };
}

function positionOf(number: number | null, nowServing: number): number | null {
  return number === null ? null : number - nowServing;
}

/** position × 60 / rate, rounded; unknown without a rate. */
export function waitSeconds(position: number, admitPerMinute: number | null): number | null {
  if (!admitPerMinute || admitPerMinute <= 0) return null;
  return Math.round((position * 60) / admitPerMinute);
}

/** "about 3 minutes", "less than a minute", "about 1 hour 5 minutes". */
export function describeWait(seconds: number | null): string {
  if (seconds === null) return "not known yet";
  if (seconds < 60) return "less than a minute";
  const minutes = Math.round(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (hours === 0) return `about ${unit(minutes, "minute")}`;
  return `about ${unit(hours, "hour")}${rest ? ` ${unit(rest, "minute")}` : ""}`;
}
