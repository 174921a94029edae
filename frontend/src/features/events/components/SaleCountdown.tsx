import { describeDuration, formatCountdown, formatDateTime } from "../../../lib/format";

export function SaleCountdown({ saleStartsAt, msLeft, label = "Sale opens in" }: {
  saleStartsAt: string;
  msLeft: number;
  label?: string;
}) {
  return (
    <p className="countdown" data-testid="sale-countdown">
      {label}{" "}
      <time dateTime={saleStartsAt} className="countdown-clock" aria-hidden="true">
        {formatCountdown(msLeft)}
      </time>
      <span className="visually-hidden">
        {describeDuration(msLeft)}, at {formatDateTime(saleStartsAt)}
      </span>
    </p>
  );
}
