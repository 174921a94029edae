/**
 * The server's idea of "now", so a countdown opens the sale when the server does,
 * not when a buyer's fast or slow clock says. Estimated from the Date header of API
 * responses (one-second resolution, so offsets under ~1.5 s are treated as none).
 */
let offsetMs = 0;

const NOISE_MS = 1500;

export function observeServerDate(dateHeader: string | null, receivedAt: number = Date.now()): void {
  if (!dateHeader) return;
  const serverMs = Date.parse(dateHeader);
  if (Number.isNaN(serverMs)) return;
  // The header is truncated to the second: on average the true time is half a second later.
  const estimate = serverMs + 500 - receivedAt;
  offsetMs = Math.abs(estimate) < NOISE_MS ? 0 : estimate;
}

export function serverNow(): number {
  return Date.now() + offsetMs;
}

/** For tests. */
export function resetServerClock(): void {
  offsetMs = 0;
}
