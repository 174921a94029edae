"""The services as FastAPI dependencies, from the container built at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Protocol

from fastapi import Depends, Request

from bolttickets.config import Settings
from bolttickets.services.accounts import Accounts
from bolttickets.services.api_keys import ApiKeys
from bolttickets.services.audit import AuditLog
from bolttickets.services.booking_payments import BookingPayments
from bolttickets.services.bookings import Bookings
from bolttickets.services.catalog import Catalog
from bolttickets.services.health import HealthCheck
from bolttickets.services.ports import Clock, PubSub, RateLimiter
from bolttickets.services.privacy import Privacy
from bolttickets.services.sessions import Sessions
from bolttickets.services.tickets import Tickets
from bolttickets.services.waiting_list import WaitingLists
from bolttickets.services.waiting_room import WaitingRooms


class Services(Protocol):
    """What the API uses of the container the composition root built (``bootstrap``), named
    here so the API never imports the root that imports it."""

    @property
    def settings(self) -> Settings: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def pubsub(self) -> PubSub: ...
    @property
    def accounts(self) -> Accounts: ...
    @property
    def api_keys(self) -> ApiKeys: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def bookings(self) -> Bookings: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def privacy(self) -> Privacy: ...
    @property
    def sessions(self) -> Sessions: ...
    @property
    def health_checks(self) -> Mapping[str, HealthCheck]: ...
    @property
    def rate_limiter(self) -> RateLimiter: ...
    @property
    def waiting_rooms(self) -> WaitingRooms: ...
    @property
    def waiting_lists(self) -> WaitingLists: ...
    @property
    def tickets(self) -> Tickets: ...
    @property
    def booking_payments(self) -> BookingPayments: ...


def container(request: Request) -> Services:
    found: Services = request.app.state.container
    return found


# Each service is reached through the ``container`` dependency, so the OpenAPI document
# knows which operations a store's outage can answer with a 503 (``api.openapi``).
ContainerDep = Annotated[Services, Depends(container)]


def _accounts(services: ContainerDep) -> Accounts:
    return services.accounts


def _api_keys(services: ContainerDep) -> ApiKeys:
    return services.api_keys


def _catalog(services: ContainerDep) -> Catalog:
    return services.catalog


def _bookings(services: ContainerDep) -> Bookings:
    return services.bookings


def _privacy(services: ContainerDep) -> Privacy:
    return services.privacy


def _sessions(services: ContainerDep) -> Sessions:
    return services.sessions


def _waiting_rooms(services: ContainerDep) -> WaitingRooms:
    return services.waiting_rooms


def _tickets(services: ContainerDep) -> Tickets:
    return services.tickets


def _booking_payments(services: ContainerDep) -> BookingPayments:
    return services.booking_payments


AccountsDep = Annotated[Accounts, Depends(_accounts)]
ApiKeysDep = Annotated[ApiKeys, Depends(_api_keys)]
CatalogDep = Annotated[Catalog, Depends(_catalog)]
BookingsDep = Annotated[Bookings, Depends(_bookings)]
PrivacyDep = Annotated[Privacy, Depends(_privacy)]
SessionsDep = Annotated[Sessions, Depends(_sessions)]
WaitingRoomsDep = Annotated[WaitingRooms, Depends(_waiting_rooms)]


def _waiting_lists(services: ContainerDep) -> WaitingLists:
    return services.waiting_lists


WaitingListsDep = Annotated[WaitingLists, Depends(_waiting_lists)]
TicketsDep = Annotated[Tickets, Depends(_tickets)]
BookingPaymentsDep = Annotated[BookingPayments, Depends(_booking_payments)]
