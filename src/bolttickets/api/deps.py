"""The services as FastAPI dependencies, from the container built at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Protocol

from fastapi import Depends, Request

from bolttickets.config import Settings
from bolttickets.services.accounts import Accounts
from bolttickets.services.bookings import Bookings
from bolttickets.services.catalog import Catalog
from bolttickets.services.health import HealthCheck
from bolttickets.services.ports import Clock, PubSub


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
    def catalog(self) -> Catalog: ...
    @property
    def bookings(self) -> Bookings: ...
    @property
    def health_checks(self) -> Mapping[str, HealthCheck]: ...


def container(request: Request) -> Services:
    found: Services = request.app.state.container
    return found


# Each service is reached through the ``container`` dependency, so the OpenAPI document
# knows which operations a store's outage can answer with a 503 (``api.openapi``).
ContainerDep = Annotated[Services, Depends(container)]


def _accounts(services: ContainerDep) -> Accounts:
    return services.accounts


def _catalog(services: ContainerDep) -> Catalog:
    return services.catalog


def _bookings(services: ContainerDep) -> Bookings:
    return services.bookings


AccountsDep = Annotated[Accounts, Depends(_accounts)]
CatalogDep = Annotated[Catalog, Depends(_catalog)]
BookingsDep = Annotated[Bookings, Depends(_bookings)]
