import { useEffect, useState } from "react";
import { serverNow } from "../../lib/server-clock";

/**
 * Whether the sale is open, and how long until it opens, by the server's clock.
 * Re-renders on its own while counting down, so "Buy now" enables without a reload.
 */
export function useSaleCountdown(saleStartsAt: string | null | undefined, tickMs = 250) {
  const target = saleStartsAt ? Date.parse(saleStartsAt) : Number.NaN;
  const [now, setNow] = useState(() => serverNow());
  const pending = Number.isFinite(target) && now < target;

  useEffect(() => {
    if (!pending) return;
    const id = setInterval(() => setNow(serverNow()), tickMs);
    return () => clearInterval(id);
  }, [pending, tickMs]);

  const msLeft = Number.isFinite(target) ? Math.max(0, target - now) : 0;
  return { open: msLeft === 0, msLeft };
}
