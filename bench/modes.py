"""The two ways to run BoltTickets, as the benchmarks name them (a module of its own, so
the commands can name them without importing the benchmarks)."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    STACK = "stack"
    EMBEDDED = "embedded"
