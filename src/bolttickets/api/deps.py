"""The services as FastAPI dependencies, from the container built at start-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bolttickets.bootstrap import Container
from bolttickets.services.accounts import Accounts
from bolttickets.services.bookings import Bookings
from bolttickets.services.catalog import Catalog


def container(request: Request) -> Container:
    found: Container = request.app.state.container
    return found


def _accounts(request: Request) -> Accounts:
    return container(request).accounts


def _catalog(request: Request) -> Catalog:
    return container(request).catalog


def _bookings(request: Request) -> Bookings:
    return container(request).bookings


AccountsDep = Annotated[Accounts, Depends(_accounts)]
CatalogDep = Annotated[Catalog, Depends(_catalog)]
BookingsDep = Annotated[Bookings, Depends(_bookings)]
