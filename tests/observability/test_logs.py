"""The logs of the sale's processes, as an operator's log shipper receives them."""

from __future__ import annotations

from typing import Any

import orjson

from tests.observability.conftest import ScrapedSale
from tests.support import ADMIN, JWT_SECRET


def json_lines(sale: ScrapedSale) -> list[dict[str, Any]]:
    lines = []
    for path in sale.logs:
        for text in path.read_text().splitlines():
            if text.startswith("{"):
                lines.append(orjson.loads(text))
    return lines


def test_refusals_are_logged_as_json_with_their_request_id(scraped_sale: ScrapedSale) -> None:
    refused = [line for line in json_lines(scraped_sale) if line["event"] == "booking_refused"]
    assert refused, "a sold-out refusal was logged"
    assert {line["outcome"] for line in refused} == {"sold_out"}
    assert all(len(line["request_id"]) == 32 for line in refused)
    # Throttled (tests/unit/test_logging.py): the lines held back are counted in the next.
    logged = len(refused) + sum(line["suppressed"] for line in refused)
    assert logged <= scraped_sale.sold_out


def test_no_secret_is_logged(scraped_sale: ScrapedSale) -> None:
    text = "\n".join(path.read_text() for path in scraped_sale.logs)
    # The database URL's password is the user name on the test PostgreSQL: bolt:bolt@.
    for secret in (JWT_SECRET, ADMIN[1], "buyer-password", ":bolt@"):
        assert secret not in text
