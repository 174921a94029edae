"""BoltTickets: event-driven ticketing for flash sales."""

__version__ = "0.1.0"
