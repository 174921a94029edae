"""Opaque keyset cursors: (timestamp, id) of the last row of a page."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from uuid import UUID


def encode(at: datetime, row_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, UUID]:
    """Raises ValueError for anything this module did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, row_id = raw.split("|")
        parsed = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("malformed cursor") from exc
    if parsed.tzinfo is None:
        raise ValueError("malformed cursor")
    return parsed, UUID(row_id)
