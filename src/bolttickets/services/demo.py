"""A first look: an admin, a buyer and an event on sale, on an empty database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bolttickets.services.accounts import Accounts
from bolttickets.services.catalog import Catalog, NewTicketType
from bolttickets.services.ports import Clock

DEMO_ADMIN = ("admin@demo.bolttickets.dev", "bolt-admin-demo")
DEMO_BUYER = ("buyer@demo.bolttickets.dev", "bolt-buyer-demo")


@dataclass(frozen=True, slots=True)
class DemoAccounts:
    admin: tuple[str, str]
    buyer: tuple[str, str]


async def seed_demo(
    accounts: Accounts, catalog: Catalog, clock: Clock, admin: tuple[str, str] | None
) -> DemoAccounts | None:
    """Seed once: returns the accounts when it seeded, None when there was data already."""
    if (await catalog.list_events(None, 1)).items:
        return None
    admin = admin or DEMO_ADMIN
    organizer = await accounts.ensure_admin(*admin)
    await accounts.ensure_customer(*DEMO_BUYER)
    now = clock.now()
    await catalog.create_event(
        name="BoltTickets Launch Night",
        venue="Main Hall",
        starts_at=now + timedelta(days=30),
        sale_starts_at=None,
        ticket_types=[
            NewTicketType("General admission", 4500, "EUR", 500, 4),
            NewTicketType("VIP", 12000, "EUR", 50, 2),
        ],
        organizer_id=organizer.id,
    )
    await catalog.create_event(
        name="Flash Sale Friday",
        venue="Arena",
        starts_at=now + timedelta(days=60),
        sale_starts_at=now + timedelta(minutes=2),
        ticket_types=[NewTicketType("Standing", 3000, "EUR", 1000, 4)],
        organizer_id=organizer.id,
    )
    return DemoAccounts(admin=admin, buyer=DEMO_BUYER)
