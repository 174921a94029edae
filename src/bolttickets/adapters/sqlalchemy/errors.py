"""What a database failure means to the caller: it may answer a retry, or it never will.

SQLAlchemy wraps most driver errors, but not all (the worker's COPY speaks to asyncpg
directly, and a refused TCP connect is a bare OSError), so the whole chain is looked at.
"""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg.exceptions as pg
from sqlalchemy import exc as sa

from bolttickets.domain.errors import DatabaseUnavailable, DomainError
from bolttickets.services.ports import RefusedByDatabase

_REFUSED: tuple[type[BaseException], ...] = (
    sa.IntegrityError,
    sa.DataError,
    pg.IntegrityConstraintViolationError,
    pg.DataError,
)
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    sa.OperationalError,  # SQLite's "database is locked" too
    sa.InterfaceError,
    sa.TimeoutError,  # no connection free in the pool
    pg.PostgresConnectionError,
    pg.OperatorInterventionError,  # shutting down, starting up, statement cancelled
    pg.InsufficientResourcesError,  # too many connections, disk full
    pg.InterfaceError,  # the connection is closed
    OSError,
    TimeoutError,
)


def translated(error: BaseException) -> Exception | None:
    """The port's error for this database failure, or None if it is not one (a refusal
    the repositories made of one, such as EmailTaken, stays as it is)."""
    if isinstance(error, DomainError):
        return None
    for cause in _chain(error):
        if isinstance(cause, _REFUSED):
            return RefusedByDatabase(str(cause))
        if isinstance(cause, _UNAVAILABLE) or getattr(cause, "connection_invalidated", False):
            return DatabaseUnavailable("The database did not answer; try again shortly.")
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        cause = pending.pop(0)
        if cause is None or id(cause) in seen:
            continue
        seen.add(id(cause))
        yield cause
        orig = getattr(cause, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None, cause.__cause__]
