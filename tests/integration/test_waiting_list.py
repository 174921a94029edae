"""The waiting list on the embedded default: the same offers and the same refusals as on the
full stack (tests/stack/test_waiting_list.py), in one process on SQLite and memory."""

from __future__ import annotations

from tests.stack.test_waiting_list import (
    an_offer_not_taken_passes_on,
    cancelled_tickets_go_down_the_line,
)
from tests.support import Api

SERVER_ENV = {"BOLT_WAITING_ROOM_TICK_MS": "200"}


async def test_cancelled_tickets_go_to_the_first_in_line_and_to_nobody_else(api: Api) -> None:
    await cancelled_tickets_go_down_the_line([api])


async def test_an_offer_not_taken_passes_to_the_next(api: Api) -> None:
    await an_offer_not_taken_passes_on([api])
