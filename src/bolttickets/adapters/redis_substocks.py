"""One ticket type's stock split into K sub-stocks on a Redis Cluster, for a sale bigger
than one Redis (``BOLT_REDIS_SUB_STOCKS``; ``RedisStockStore`` is K = 1).

Sub-stock ``i`` of ticket type ``tt`` has the keys of ``RedisStockStore`` under its own hash
tag, ``bolt:{tt:i:n}:...`` (``sub_stock_tag``), so the K sub-stocks lie in K slots spread
over the slot space, on different nodes of an evenly sliced cluster; the
ticket type's remaining stock is the sum of theirs, its version the sum of their versions
(each only grows, so the sum changes whenever one does).

**Home.** A buyer's home sub-stock is a stable hash of their user id mod K. Everything of a
buyer (their count, idempotency fingerprints, holds, last sends) lives in their home, so the
per-user limit and the duplicate checks stay one atomic script, ``reserve_home.lua``. A load
cannot tell whose a keyed booking is, so it writes every fingerprint into every sub-stock.

**Borrowing.** A home short of stock borrows: ``lend.lua`` takes up to
``max(quantity, LEND_CHUNK)`` tickets from another sub-stock, and the next ``reserve_home``
call adds them to the home before it reserves. Tickets only leave a sub-stock in one atomic
step and arrive in another in one, so nothing is ever sold twice; between the two they are
counted in neither. A loan arrives only within ``LOAN_DEADLINE`` of leaving and into the
same load, otherwise it is refused and lost until reconcile counts it again: a reconcile
refuses to write while any sub-stock lent within twice that (the clocks of two nodes may
differ), and a load starts anew, so neither can count a loan that is still on its way.

**Sold out.** A home short of stock visits the others in turn (up to K - 1 loans). When a
whole round lends nothing and no sub-stock lent lately (no ticket on its way), the home sets
its sold-out mark for ``SOLD_OUT_MARK``; under the mark its short answer is a sold-out at
once, so the common refusal after a sell-out costs one script call. A round that met a
recent loan is tried again after a short pause (the loan's tickets may have reached a
sub-stock the round had visited already), for ``LOAN_SETTLING`` at most, then answers sold
out without a mark. Every give-back into a sub-stock (a rejected booking settled, a
reconcile or a load adding stock) deletes the marks of its ticket type, so returned tickets
are offered again; a round that read a sub-stock just before its give-back may still set a
mark after it, so a returned ticket can be refused for at most ``SOLD_OUT_MARK``
(docs/operations.md, "Sub-stocks").
"""

from __future__ import annotations

import asyncio
import dataclasses
import zlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast
from uuid import UUID, uuid4

from redis.crc import key_slot

from bolttickets.adapters.redis_autopipeline import AutoPipeline
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_stock import (
    ADMISSIONS,
    HOLD_INDEX_LIFETIME_S,
    INDEXED,
    KEY_LIFETIME_US,
    StockKeys,
    claim_stale,
    decode_hold,
    install,
    parse_snapshot,
    prepare,
    register_load,
    register_scripts,
    reserve_args,
    traced_reservation,
    unavailable_as_domain,
)
from bolttickets.domain.requests import BookingRequest
from bolttickets.observability import metrics
from bolttickets.services.ports import Admission, HoldSnapshot, Inventory, Settlement, StockLoad

# Tickets a home borrows at least per loan: a few, so a busy home does not borrow per booking.
LEND_CHUNK = 8
# A loan refused after this much time on its way (the borrower stalled): see the docstring.
LOAN_DEADLINE = timedelta(milliseconds=250)
# How long a home answers sold-out in one call after a round found every sub-stock empty.
SOLD_OUT_MARK = timedelta(milliseconds=500)
# How long a short home keeps borrowing while tickets may be on their way: a loan has
# arrived or been refused by then, even between nodes whose clocks differ by a deadline.
LOAN_SETTLING = 2 * LOAN_DEADLINE
_FIRST_PAUSE, _LAST_PAUSE = 0.001, 0.032

_LOAN_DEADLINE_US = LOAN_DEADLINE // timedelta(microseconds=1)
# A reconcile's quiet period: a loan lent before it has arrived or been refused, even on a
# node whose clock is a loan deadline behind.
_QUIET_US = LOAN_SETTLING // timedelta(microseconds=1)
_SOLD_OUT_MARK_MS = SOLD_OUT_MARK // timedelta(milliseconds=1)
_SLOTS = 16384
_SHORT = frozenset({b"short", b"short-lent"})


class Loan(NamedTuple):
    quantity: int
    load_id: bytes
    lent_at_us: int
    lent_lately: bool
    """Nothing lent now, but some lately: those tickets may be on their way elsewhere."""


_NO_LOAN = Loan(0, b"", 0, False)


class _SubStock(NamedTuple):
    keys: StockKeys
    sold_out: str
    """The home's sold-out mark."""


class RedisSubStockStore:
    def __init__(self, client: RedisClient, namespace: str = "bolt", *, sub_stocks: int) -> None:
        """``sub_stocks`` (K) > 1 sub-stocks per ticket type, on a Redis Cluster (see the
        module's docstring); ``namespace`` as for ``RedisStockStore``."""
        if sub_stocks < 2:
            raise ValueError("RedisSubStockStore splits a stock in 2 or more; use RedisStockStore")
        self._redis = client
        self._hot = AutoPipeline(client)
        self._ns = namespace
        self._k = sub_stocks
        self._ticket_types = f"{namespace}:ticket-types"
        self._names: dict[UUID, list[_SubStock]] = {}
        self._scripts = register_scripts(
            client,
            ("reserve_home", "lend", "probe", "stage", "load", "settle", "release", "claim",
             "snapshot", "cas"),
        )  # fmt: skip

    @property
    def sub_stocks(self) -> int:
        return self._k

    @property
    def namespace(self) -> str:
        return self._ns

    async def start(self) -> None:
        await prepare(self._redis, self._scripts.values())

    def home(self, user_id: UUID) -> int:
        """The buyer's home sub-stock: the same in every process and after every restart."""
        return zlib.crc32(user_id.bytes) % self._k

    def _subs(self, ticket_type_id: UUID) -> list[_SubStock]:
        subs = self._names.get(ticket_type_id)
        if subs is None:  # built once per ticket type: the reservation asks on every call
            prefixes = [self._prefix(ticket_type_id, i) for i in range(self._k)]
            subs = [_SubStock(StockKeys.of(p), f"{p}:sold-out") for p in prefixes]
            self._names[ticket_type_id] = subs
        return subs

    def sub_stock_keys(self, ticket_type_id: UUID, sub: int) -> StockKeys:
        return self._subs(ticket_type_id)[sub].keys

    def _prefix(self, ticket_type_id: UUID, sub: int) -> str:
        return f"{self._ns}:{{{sub_stock_tag(ticket_type_id, sub, self._k)}}}"

    def _index(self, booking_id: UUID) -> str:
        return f"{self._ns}:hold:{booking_id}"

    # --- admission ----------------------------------------------------------------------

    @metrics.timed(metrics.RESERVATION_SECONDS)
    @unavailable_as_domain
    async def reserve(self, request: BookingRequest) -> Admission:
        return await traced_reservation(self._reserve, request)

    async def _reserve(self, request: BookingRequest) -> Admission:
        if request.idempotency_key is not None:
            # The index lies in another slot: read before the script, as RedisStockStore's
            # multi-step path does (see there).
            held_on = cast(
                bytes | None, await self._hot.execute("GET", self._index(request.booking_id))
            )
            if held_on is not None and held_on.decode() != str(request.ticket_type_id):
                return Admission.KEY_REUSED
        home = self.home(request.user_id)
        outcome = await self._reserve_at(home, request, _NO_LOAN)
        if outcome in _SHORT:
            outcome = await self._borrow(home, request, outcome)
        if outcome in INDEXED:
            await self._hot.execute(
                "SET",
                self._index(request.booking_id),
                str(request.ticket_type_id),
                "EX",
                HOLD_INDEX_LIFETIME_S,
            )
        return ADMISSIONS[outcome]

    async def _borrow(self, home: int, request: BookingRequest, outcome: bytes) -> bytes:
        """Rounds of loans until the home can reserve or a quiet round proves the ticket
        type sold out. A round that met recent loans is tried again after a pause, since
        those tickets may be on their way to a sub-stock it visited before they arrived;
        after ``LOAN_SETTLING`` every loan of then has arrived or been refused."""
        loop = asyncio.get_running_loop()
        give_up, pause = loop.time() + LOAN_SETTLING.total_seconds(), _FIRST_PAUSE
        while True:
            outcome = await self._borrow_round(home, request, quiet=outcome == b"short")
            if outcome not in _SHORT:
                return outcome
            if loop.time() >= give_up:  # tickets keep moving: refuse rather than wait on
                return b"sold-out"
            await asyncio.sleep(pause)
            pause = min(2 * pause, _LAST_PAUSE)
            outcome = await self._reserve_at(home, request, _NO_LOAN)
            if outcome not in _SHORT:
                return outcome

    async def _borrow_round(self, home: int, request: BookingRequest, *, quiet: bool) -> bytes:
        """Loans from the other sub-stocks in turn until the home can reserve. ``quiet``:
        the home lent nothing lately. A round that lends nothing while no ticket can be on
        its way anywhere proves the ticket type sold out: the home marks it so."""
        tt, wanted = request.ticket_type_id, max(request.quantity, LEND_CHUNK)
        subs = self._subs(tt)
        for step in range(1, self._k):
            loan = await self._lend(subs[(home + step) % self._k], wanted)
            if loan.quantity:
                outcome = await self._reserve_at(home, request, loan)
                if outcome not in _SHORT:
                    return outcome
            quiet = quiet and not loan.quantity and not loan.lent_lately
        if not quiet:
            return b"short"
        await self._hot.execute("SET", subs[home].sold_out, 1, "PX", _SOLD_OUT_MARK_MS)
        return b"sold-out"

    async def _reserve_at(self, home: int, request: BookingRequest, loan: Loan) -> bytes:
        sub = self._subs(request.ticket_type_id)[home]
        script = self._scripts["reserve_home"]
        outcome: bytes = await self._hot.evalsha(
            script.sha,
            script.script,
            [*sub.keys, sub.sold_out],
            [
                *reserve_args(request),
                KEY_LIFETIME_US,
                loan.quantity,
                loan.load_id,
                loan.lent_at_us,
                _LOAN_DEADLINE_US,
            ],
        )
        return outcome

    async def _lend(self, lender: _SubStock, wanted: int) -> Loan:
        script = self._scripts["lend"]
        lent, load_id, lent_at, lately = await self._hot.evalsha(
            script.sha, script.script, [lender.keys.stock], [wanted, _LOAN_DEADLINE_US]
        )
        return Loan(int(lent), load_id, int(lent_at), bool(lately))

    async def _clear_sold_out(self, ticket_type_ids: Sequence[UUID]) -> None:
        """Tickets came back: every home offers them again (one DEL per slot)."""
        await asyncio.gather(
            *(
                self._hot.execute("DEL", sub.sold_out)
                for tt in ticket_type_ids
                for sub in self._subs(tt)
            )
        )

    # --- loading ------------------------------------------------------------------------

    @unavailable_as_domain
    async def load(self, stock: StockLoad, *, replace: bool = False) -> bool:
        """Each sub-stock loads atomically, one after the other, under one load id. Without
        ``replace`` only the missing sub-stocks are loaded: all of them share the remaining
        stock; some of them (the others' node lost them) get none, and reconcile adds what
        they lack, since the sub-stocks still loaded may have sold meanwhile."""
        tt = stock.ticket_type_id
        subs = self._subs(tt)
        if replace:
            to_load = list(range(self._k))
        else:
            async with self._redis.pipeline(transaction=False) as pipe:
                for sub in subs:
                    pipe.exists(sub.keys.stock)
                present: list[int] = await pipe.execute()
            to_load = [i for i, there in enumerate(present) if not there]
            if not to_load:
                return False
        await register_load(self._redis, self._ns, stock)
        shares = _shares(stock.remaining, self._k) if len(to_load) == self._k else [0] * self._k
        load_id = uuid4().hex
        installed = [
            await install(
                self._scripts,
                self._prefix(tt, i),
                self._part(stock, i, shares[i]),
                replace=replace,
                load_id=load_id,
            )
            for i in to_load
        ]
        await self._clear_sold_out([tt])
        return any(installed)

    def _part(self, stock: StockLoad, sub: int, remaining: int) -> StockLoad:
        """What sub-stock ``sub`` loads: its buyers' counts and holds, every fingerprint."""
        return dataclasses.replace(
            stock,
            remaining=remaining,
            per_user={u: n for u, n in stock.per_user.items() if self.home(u) == sub},
            holds=[h for h in stock.holds if self.home(h.user_id) == sub],
        )

    # --- holds --------------------------------------------------------------------------

    @unavailable_as_domain
    async def get_hold(self, booking_id: UUID) -> BookingRequest | None:
        tt = cast(bytes | None, await self._redis.get(self._index(booking_id)))
        if tt is None:
            return None
        # The index does not say whose the booking is: ask every home.
        found: list[bytes | None] = await asyncio.gather(
            *(
                self._hot.execute("HGET", sub.keys.holds, str(booking_id))
                for sub in self._subs(UUID(tt.decode()))
            )
        )
        return next((decode_hold(hold) for hold in found if hold is not None), None)

    @unavailable_as_domain
    async def surviving_holds(self, ticket_type_id: UUID) -> list[BookingRequest]:
        """The holds of the sub-stocks whose stock is lost."""
        subs = self._subs(ticket_type_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            for sub in subs:
                pipe.exists(sub.keys.stock)
                pipe.hvals(sub.keys.holds)
            replies: list[Any] = await pipe.execute()
        return [
            decode_hold(hold)
            for loaded, holds in zip(replies[::2], replies[1::2], strict=True)
            if not loaded
            for hold in holds
        ]

    @unavailable_as_domain
    async def settle(self, settlements: Sequence[Settlement]) -> dict[UUID, Inventory]:
        """One settle call per home sub-stock touched, then the indexes, the sold-out marks
        of the ticket types given back to, and the inventory read once more (the sum of
        sub-stocks in other slots)."""
        by_home: defaultdict[tuple[UUID, int], list[Settlement]] = defaultdict(list)
        for s in settlements:
            by_home[(s.request.ticket_type_id, self.home(s.request.user_id))].append(s)
        if not by_home:
            return {}
        groups = list(by_home.items())
        replies: list[list[Any]] = await asyncio.gather(
            *(self._settle_call(tt, home, group) for (tt, home), group in groups)
        )
        cleared = [
            s
            for (_, group), (flags, _) in zip(groups, replies, strict=True)
            for s, flag in zip(group, flags, strict=True)
            if flag
        ]
        given_back = {s.request.ticket_type_id for s in cleared if not s.confirmed}
        await asyncio.gather(
            *(self._hot.execute("DEL", self._index(s.request.booking_id)) for s in cleared),
            self._clear_sold_out(list(given_back)),
        )
        return await self.inventory(list(dict.fromkeys(tt for tt, _ in by_home)))

    async def _settle_call(self, tt: UUID, home: int, group: list[Settlement]) -> Any:
        k = self._subs(tt)[home].keys
        args: list[str | int] = ["0", 1]
        for s in group:
            r = s.request
            args += [0, str(r.booking_id), str(r.user_id), r.quantity, int(s.confirmed)]
        script = self._scripts["settle"]
        return await self._hot.evalsha(
            script.sha, script.script, [k.stock, k.users, k.holds, k.sent], args
        )

    @unavailable_as_domain
    async def release(self, ticket_type_id: UUID, user_id: UUID, quantity: int) -> None:
        keys = self._subs(ticket_type_id)[self.home(user_id)].keys
        await self._scripts["release"](keys=[keys.stock, keys.users], args=[str(user_id), quantity])

    @unavailable_as_domain
    async def claim_stale_holds(
        self, older_than: datetime, now: datetime, limit: int, ticket_type_ids: Sequence[UUID]
    ) -> list[BookingRequest]:
        units = [sub.keys for tt in ticket_type_ids for sub in self._subs(tt)]
        return await claim_stale(
            self._redis, self._hot, self._scripts["claim"], units, older_than, now, limit
        )

    # --- inventory and reconcile --------------------------------------------------------

    @unavailable_as_domain
    async def inventory(self, ticket_type_ids: Sequence[UUID]) -> dict[UUID, Inventory]:
        """Loaded means every sub-stock is: a missing one sends its buyers to rebuild."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for tt in ticket_type_ids:
                for sub in self._subs(tt):
                    pipe.hmget(sub.keys.stock, ["remaining", "version"])
            rows: list[list[bytes | None]] = await pipe.execute()
        inventory: dict[UUID, Inventory] = {}
        for n, tt in enumerate(ticket_type_ids):
            subs = rows[n * self._k : (n + 1) * self._k]
            if all(row[0] is not None and row[1] is not None for row in subs):
                remaining, version = (sum(int(cast(bytes, row[f])) for row in subs) for f in (0, 1))
                inventory[tt] = Inventory(tt, remaining, version)
        return inventory

    @unavailable_as_domain
    async def ticket_types(self) -> list[UUID]:
        members = cast(set[bytes], await self._redis.smembers(self._ticket_types))
        return [UUID(raw.decode()) for raw in members]

    @unavailable_as_domain
    async def hold_snapshot(self, ticket_type_id: UUID) -> HoldSnapshot | None:
        """Read sub-stock by sub-stock, so not at one moment: ``compare_and_set`` writes
        only when no version moved since, which proves it was."""
        script = self._scripts["snapshot"]
        replies: list[list[bytes] | None] = await asyncio.gather(
            *(
                self._hot.evalsha(
                    script.sha, script.script, [sub.keys.stock, sub.keys.holds, sub.keys.sent], []
                )
                for sub in self._subs(ticket_type_id)
            )
        )
        parts = [parse_snapshot(reply) for reply in replies if reply is not None]
        if len(parts) < self._k:
            return None
        sent = [p.oldest_sent_at for p in parts if p.oldest_sent_at is not None]
        return HoldSnapshot(
            version=sum(p.version for p in parts),
            holds={b: q for p in parts for b, q in p.holds.items()},
            remaining=sum(p.remaining for p in parts),
            oldest_sent_at=min(sent, default=None),
        )

    @unavailable_as_domain
    async def compare_and_set(self, ticket_type_id: UUID, version: int, remaining: int) -> bool:
        """Each sub-stock's version only grows, so an unchanged sum means none moved since
        ``version`` was read: the sub-stocks, read now, are what it was read from. Then the
        difference goes to the sub-stocks, each write a compare-and-set on the version just
        read (the first one taken by two reconciles lets only one through). Refused while a
        loan may be on its way (counted nowhere). Should a later write of a decrease spread
        over several sub-stocks fail (a reservation came in between), the earlier ones stay
        and False is answered: the next reconcile finishes from a fresh snapshot."""
        subs = self._subs(ticket_type_id)
        probe = self._scripts["probe"]
        probed: list[list[bytes] | None] = await asyncio.gather(
            *(
                self._hot.evalsha(probe.sha, probe.script, [sub.keys.stock], [_QUIET_US])
                for sub in subs
            )
        )
        if any(p is None or p[2] for p in probed):
            return False
        states = [(int(p[0]), int(p[1])) for p in cast(list[list[bytes]], probed)]
        if sum(v for v, _ in states) != version:
            return False
        targets = _spread(remaining - sum(r for _, r in states), [r for _, r in states])
        cas = self._scripts["cas"]
        for i, target in targets:
            sub_version, _ = states[i]
            if not await cas(keys=[subs[i].keys.stock], args=[sub_version, target]):
                return False
        if any(target > states[i][1] for i, target in targets):
            await self._clear_sold_out([ticket_type_id])
        return True


def sub_stock_tag(ticket_type_id: UUID, sub: int, k: int) -> str:
    """The hash tag of sub-stock ``sub``: ``<tt>:<sub>:<n>`` with the first ``n`` whose slot
    lies in the middle quarter of the ``sub``-th of ``k`` equal ranges of the 16,384 slots.
    A cluster made by ``redis-cli --cluster create`` gives each primary one equal range, so
    the sub-stocks spread over its primaries: one each with K = the number of primaries, and
    with 3 primaries and K = 2 the first and the last (plain ``<tt>:<sub>`` tags would share a
    node two times in three with K = 3). Found in 4 tries on average, once per ticket type
    and process, the same in every process."""
    width = _SLOTS / k
    low, high = int((sub + 3 / 8) * width), int((sub + 5 / 8) * width)
    n = 0
    while not low <= key_slot(f"{ticket_type_id}:{sub}:{n}".encode()) < high:
        n += 1
    return f"{ticket_type_id}:{sub}:{n}"


def _shares(remaining: int, k: int) -> list[int]:
    """``remaining`` split into ``k`` shares differing by one at most."""
    return [remaining // k + (1 if i < remaining % k else 0) for i in range(k)]


def _spread(delta: int, remaining: list[int]) -> list[tuple[int, int]]:
    """(sub-stock, new remaining) to write to move the total by ``delta``: an increase into
    the emptiest sub-stock, a decrease from the fullest first. The first write is the same
    for two reconciles of the same state, so only one of them gets through."""
    if delta == 0:
        return []
    order = sorted(range(len(remaining)), key=lambda i: (remaining[i], i), reverse=delta < 0)
    if delta > 0:
        return [(order[0], remaining[order[0]] + delta)]
    writes: list[tuple[int, int]] = []
    left = -delta
    for i in order:
        if left == 0:
            break
        taken = min(left, remaining[i])
        writes.append((i, remaining[i] - taken))
        left -= taken
    return writes
