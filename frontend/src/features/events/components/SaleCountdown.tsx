import { describeDuration, formatCountdown, formatDateTime } from "../../../lib/format";

export function SaleCountdown({ saleStartsAt, msLeft }: { saleStartsAt: string; msLeft: number }) {
  return (
    <p className="countdown" data-testid="sale-countdown">
      Sale opens in{" "}
      <time dateTime={saleStartsAt} className="countdown-clock" aria-hidden="true">
        {formatCountdown(msLeft)}
      </time>
      <span className="visually-hidden">
        {describeDuration(msLeft)}, at {formatDateTime(saleStartsAt)}
      </span>
    </p>
  );
}
