"""The waiting room on the embedded default: the same sale and the same refusals as on the
full stack (tests/stack/test_waiting_room.py), in one process on SQLite and memory."""

from __future__ import annotations

from tests.stack.test_waiting_room import PASS_SECRET, no_bypass, sale_through_the_room
from tests.support import Api

SERVER_ENV = {"BOLT_ADMISSION_PASS_SECRET": PASS_SECRET, "BOLT_WAITING_ROOM_TICK_MS": "200"}


async def test_a_sale_through_the_room_admits_fairly_and_tells_of_the_sell_out(api: Api) -> None:
    await sale_through_the_room([api])


async def test_no_booking_gets_past_the_room_without_its_own_valid_pass(api: Api) -> None:
    await no_bypass([api])
