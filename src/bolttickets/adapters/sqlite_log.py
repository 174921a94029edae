"""A durable booking queue for the embedded mode: a log table in the SQLite database.

Like a Kafka partition: append-only, one writer that commits the requests of many callers
in one transaction (group commit), and ``send`` returns only after that commit. Consumers
keep their position in ``consumer_offsets``, so an uncommitted record is delivered again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence

import sqlalchemy as sa

from bolttickets.adapters.sqlalchemy import tables
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.adapters.sqlalchemy.repositories import SqlOffsets
from bolttickets.domain.errors import QueueUnavailable
from bolttickets.domain.requests import BookingRequest
from bolttickets.observability import metrics
from bolttickets.services.messages import encode_request
from bolttickets.services.ports import QueueRecord, next_offsets

log_table = tables.booking_log
dead_letters = tables.booking_dead_letters

_PARTITION = 0
_KEEP_CONSUMED = 100_000
"""Consumed records kept for inspection before the log is trimmed."""


class SqliteLog:
    def __init__(self, db: Database, *, max_group: int = 2000) -> None:
        self._db = db
        self._max_group = max_group
        self._pending: list[tuple[bytes, bytes, asyncio.Future[None]]] = []
        self._wakeup = asyncio.Event()
        self._appended = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._end = 0

    async def start(self) -> None:
        """Start the writer; the tables come from the migrations (``schema.upgrade``)."""
        async with self._db.reader.connect() as conn:
            last = await conn.scalar(sa.select(sa.func.max(log_table.c.offset)))
        # One writer appends, so offsets follow each other from here.
        self._end = (last or 0) + 1
        self._writer = asyncio.create_task(self._write_loop(), name="sqlite-log-writer")

    @property
    def running(self) -> bool:
        return self._writer is not None and not self._writer.done()

    async def stop(self) -> None:
        if self._writer is None:
            return
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
        self._writer = None
        await self._flush()  # whatever was accepted before the stop still gets stored

    @metrics.timed(metrics.PRODUCE_SECONDS)
    async def send(self, request: BookingRequest) -> None:
        if self._writer is None:
            raise QueueUnavailable("The booking log is not running.")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((str(request.ticket_type_id).encode(), encode_request(request), done))
        self._wakeup.set()
        await done

    async def append_raw(self, key: bytes | None, value: bytes) -> None:
        """Append bytes as they are (tests use it to put undecodable records in the log)."""
        async with self._db.writer.begin() as conn:
            await conn.execute(
                log_table.insert().values(key=key, value=value, appended_at=time.time())
            )
        self._end += 1
        await self._notify()

    async def _write_loop(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            await self._flush()

    async def _flush(self) -> None:
        while self._pending:
            group = self._pending[: self._max_group]
            del self._pending[: self._max_group]
            try:
                now = time.time()
                async with self._db.writer.begin() as conn:
                    await conn.execute(
                        log_table.insert(),
                        [{"key": k, "value": v, "appended_at": now} for k, v, _ in group],
                    )
            except Exception as exc:  # the disk or database failed: nobody's request is stored
                for _, _, done in group:
                    if not done.done():
                        done.set_exception(QueueUnavailable(f"The booking log failed: {exc}"))
                continue
            self._end += len(group)
            for _, _, done in group:
                if not done.done():
                    done.set_result(None)
            await self._notify()

    async def _notify(self) -> None:
        self._appended.set()

    @property
    def end(self) -> int:
        """The offset the next appended record will have."""
        return self._end

    async def read_or_wait(self, from_offset: int, limit: int, timeout: float) -> list[QueueRecord]:
        """Read; when nothing is there, wait up to ``timeout`` for an append and read again."""
        # Cleared before reading, so an append between the read and the wait is not missed.
        self._appended.clear()
        records = await self.read(from_offset, limit)
        if records or timeout <= 0:
            return records
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._appended.wait(), timeout)
        return await self.read(from_offset, limit)

    async def read(self, from_offset: int, limit: int) -> list[QueueRecord]:
        async with self._db.reader.connect() as conn:
            rows = await conn.execute(
                sa.select(log_table.c.offset, log_table.c.key, log_table.c.value)
                .where(log_table.c.offset >= from_offset)
                .order_by(log_table.c.offset)
                .limit(limit)
            )
            return [QueueRecord(_PARTITION, r.offset, r.key, r.value) for r in rows]

    async def dead_letter(self, record: QueueRecord) -> None:
        async with self._db.writer.begin() as conn:
            await conn.execute(
                dead_letters.insert().values(
                    source_offset=record.offset,
                    key=record.key,
                    value=record.value,
                    dead_at=time.time(),
                )
            )

    async def dead_lettered(self) -> list[QueueRecord]:
        async with self._db.reader.connect() as conn:
            rows = await conn.execute(sa.select(dead_letters).order_by(dead_letters.c.id))
            return [QueueRecord(_PARTITION, r.source_offset, r.key, r.value) for r in rows]

    async def trim(self, below: int) -> None:
        async with self._db.writer.begin() as conn:
            await conn.execute(sa.delete(log_table).where(log_table.c.offset < below))


class SqliteLogConsumer:
    """Reads the log from the group's stored position; ``commit`` stores the new position.

    There is no broker to lose: the only way this consumer stalls is its reads failing
    (the database locked past its busy timeout, a broken file), which ``stalled`` reports
    once they have failed for ``stall_after`` seconds in a row.
    """

    def __init__(
        self, log: SqliteLog, db: Database, group: str, topic: str, *, stall_after: float = 30.0
    ) -> None:
        self._log = log
        self._db = db
        self.group = group
        self.topic = topic
        self._position: int | None = None
        self._stall_after = stall_after
        self._failing: tuple[float, str] | None = None

    async def committed(self) -> int:
        async with self._db.unit_of_work() as uow:
            return (await uow.offsets.load(self.group, self.topic)).get(_PARTITION, 0)

    async def poll(self, max_records: int, timeout: float) -> list[QueueRecord]:
        try:
            if self._position is None:
                self._position = await self.committed()
            records = await self._log.read_or_wait(self._position, max_records, timeout)
        except Exception as exc:
            if self._failing is None:
                self._failing = (time.monotonic(), repr(exc))
            raise
        self._failing = None
        if records:
            self._position = records[-1].offset + 1
        return records

    def lag(self) -> dict[int, int]:
        return {} if self._position is None else {_PARTITION: self._log.end - self._position}

    def stalled(self) -> str | None:
        if self._failing is None:
            return None
        since, error = self._failing
        failing_for = time.monotonic() - since
        if failing_for <= self._stall_after:
            return None
        return f"reading the booking log has failed for {failing_for:.0f} s: {error}"

    async def commit(self, records: Sequence[QueueRecord]) -> None:
        if not records:
            return
        offsets = next_offsets(records)
        next_offset = offsets[_PARTITION]
        async with self._db.writer.connect() as conn:
            await SqlOffsets(conn).store(self.group, self.topic, offsets)
            await conn.commit()
        if next_offset % 10_000 < len(records):
            await self._log.trim(next_offset - _KEEP_CONSUMED)

    async def dead_letter(self, record: QueueRecord) -> None:
        await self._log.dead_letter(record)

    async def unapplied(self) -> list[QueueRecord]:
        """Every record past the committed position: the holds to restore at start-up."""
        records: list[QueueRecord] = []
        position = await self.committed()
        while batch := await self._log.read(position, 10_000):
            records.extend(batch)
            position = batch[-1].offset + 1
        return records
