import { useEffect, useState } from "react";
import { serverNow } from "./server-clock";

/**
 * Time left until `deadline` (ISO) by the server's clock, re-rendering on its own while
 * counting, so what the page shows flips when the server's deadline passes, not the
 * buyer's fast or slow clock. No deadline: nothing to wait for (`done`).
 */
export function useServerCountdown(deadline: string | null | undefined, tickMs = 250) {
  const target = deadline ? Date.parse(deadline) : Number.NaN;
  const [now, setNow] = useState(() => serverNow());
  const counting = Number.isFinite(target) && now < target;

  useEffect(() => {
    if (!counting) return;
    const id = setInterval(() => setNow(serverNow()), tickMs);
    return () => clearInterval(id);
  }, [counting, tickMs]);

  const msLeft = Number.isFinite(target) ? Math.max(0, target - now) : 0;
  return { done: msLeft === 0, msLeft };
}
