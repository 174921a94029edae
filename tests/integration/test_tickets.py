"""E-tickets and check-in on the embedded default: the same as on the full stack
(tests/stack/test_tickets.py), in one process on SQLite and memory."""

from __future__ import annotations

from tests.stack.test_tickets import (
    concurrent_scans_admit_once,
    nobody_else_reads_a_ticket,
    the_door_checks_in_but_reads_no_bookings,
    tickets_from_booking_to_door,
)
from tests.support import Api, Server


async def test_tickets_go_from_booking_to_door(server: Server, api: Api) -> None:
    await tickets_from_booking_to_door(api, server)


async def test_nobody_but_the_owner_reads_a_ticket(api: Api) -> None:
    await nobody_else_reads_a_ticket(api)


async def test_the_door_checks_in_but_reads_no_bookings(api: Api) -> None:
    await the_door_checks_in_but_reads_no_bookings(api)


async def test_fifty_concurrent_scans_of_one_code_admit_it_once(api: Api) -> None:
    await concurrent_scans_admit_once(api)
