"""Opaque keyset cursors: (timestamp, id) of the last row of a page."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from uuid import UUID


def encode(at: datetime, row_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, UUID]:
    """Raises ValueError for anything this module did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, row_id = raw.split("|")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("malformed cursor")
        # In UTC, as the database compares it: a date at the edge of the calendar whose
        # offset takes it past year 1 or 9999 overflows here, not in the driver.
        return parsed.astimezone(UTC), UUID(row_id)
    except (binascii.Error, UnicodeDecodeError, OverflowError) as exc:
        raise ValueError("malformed cursor") from exc
