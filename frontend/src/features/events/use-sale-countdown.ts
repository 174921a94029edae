import { useServerCountdown } from "../../lib/use-server-countdown";

/**
 * Whether the sale is open, and how long until it opens, by the server's clock.
 * Re-renders on its own while counting down, so "Buy now" enables without a reload.
 */
export function useSaleCountdown(saleStartsAt: string | null | undefined, tickMs = 250) {
  const { done, msLeft } = useServerCountdown(saleStartsAt, tickMs);
  return { open: done, msLeft };
}
