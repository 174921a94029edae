"""Keyset pages: rows in (timestamp, id) order, resumed after an opaque cursor that names
the last row of the page before."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa

from bolttickets.domain.errors import InvalidCursor
from bolttickets.services.ports import Page

R = TypeVar("R")


async def keyset_page(
    query: sa.Select[Any],
    key: tuple[sa.ColumnElement[datetime], sa.ColumnElement[UUID]],
    cursor: str | None,
    limit: int,
    fetch: Callable[[sa.Select[Any]], Awaitable[list[R]]],
    key_of: Callable[[R], tuple[datetime, UUID]],
    *,
    newest_first: bool = False,
) -> Page[R]:
    """The page of ``query`` after ``cursor``; raises InvalidCursor for one not made here.

    One row more than asked for is read: it tells whether another page follows.
    """
    at_column, id_column = key
    if newest_first:
        query = query.order_by(at_column.desc(), id_column.desc())
    else:
        query = query.order_by(at_column, id_column)
    if cursor is not None:
        after = sa.tuple_(at_column, id_column)
        last = _decode(cursor)
        query = query.where(after < last if newest_first else after > last)
    found = await fetch(query.limit(limit + 1))
    if len(found) <= limit:
        return Page(found, None)
    return Page(found[:limit], _encode(*key_of(found[limit - 1])))


def _encode(at: datetime, row_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, row_id = raw.split("|")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("a cursor's time has an offset")
        # In UTC, as the database compares it: a date at the edge of the calendar whose
        # offset takes it past year 1 or 9999 overflows here, not in the driver.
        return parsed.astimezone(UTC), UUID(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError) as exc:
        raise InvalidCursor("This cursor was not made by this server.") from exc
