"""Waiting room settings in the database: SQLite (embedded) and PostgreSQL, one suite."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.domain.waiting_room import RoomSettings
from tests.contract.test_repository import NOW, add_event


async def test_a_room_is_saved_replaced_and_read_back(database: Database) -> None:
    event = await add_event(database)
    room = RoomSettings(event.id, NOW + timedelta(days=1), None)
    async with database.unit_of_work(write=True) as uow:
        assert await uow.waiting_rooms.get(event.id) is None
        await uow.waiting_rooms.save(room, NOW)
        await uow.commit()
    changed = replace(room, admit_per_minute=120, pass_ttl_seconds=300, automatic_factor=1.5)
    async with database.unit_of_work(write=True) as uow:
        await uow.waiting_rooms.save(changed, NOW)
        await uow.commit()

    async with database.unit_of_work() as uow:
        assert await uow.waiting_rooms.get(event.id) == changed


async def test_active_rooms_are_the_enabled_ones_of_events_not_yet_started(
    database: Database,
) -> None:
    soon, later, off = [await add_event(database, starts_in_days=d) for d in (1, 30, 30)]
    rooms = [
        RoomSettings(soon.id, NOW, 60),
        RoomSettings(later.id, NOW, None),
        RoomSettings(off.id, NOW, None, enabled=False),
    ]
    async with database.unit_of_work(write=True) as uow:
        for room in rooms:
            await uow.waiting_rooms.save(room, NOW)
        await uow.commit()

    async with database.unit_of_work() as uow:
        now_active = {r.event_id for r in await uow.waiting_rooms.active(NOW)}
        in_a_week = {r.event_id for r in await uow.waiting_rooms.active(NOW + timedelta(days=7))}

    assert {soon.id, later.id} <= now_active and off.id not in now_active
    assert later.id in in_a_week and soon.id not in in_a_week
