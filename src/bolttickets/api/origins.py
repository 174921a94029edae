"""Which web origins may act with a user's session cookie: the server's own (the
``Origin`` names the host the request was sent to) and the configured trusted ones."""

from __future__ import annotations

from collections.abc import Iterable


class Origins:
    def __init__(self, trusted: Iterable[str]) -> None:
        self._trusted = frozenset(origin.rstrip("/").lower() for origin in trusted)

    def allows(self, origin: str, host: str | None) -> bool:
        origin = origin.lower()
        if origin in self._trusted:
            return True
        # The scheme is not compared: behind a proxy that ends TLS the server sees http
        # while the browser's origin is https, and only the host's owner serves either.
        scheme, separator, authority = origin.partition("://")
        return (
            bool(separator)
            and scheme in ("http", "https")
            and host is not None
            and authority == host.lower()
        )
