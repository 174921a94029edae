"""Who may do what, decided in one place: a person by role, an API key by its scopes too."""

from __future__ import annotations

from collections.abc import Collection

from bolttickets.domain.errors import Forbidden, MissingScope
from bolttickets.domain.model import Role, Scope
from bolttickets.services.accounts import Actor


def permit(
    actor: Actor,
    scope: Scope | None = None,
    roles: Collection[Role] | None = None,
    *,
    keys: bool = True,
) -> None:
    """Raise Forbidden unless ``actor`` may call an operation that needs ``scope`` (of an
    API key), one of ``roles`` (of the person or of the key's owner), and is open to API
    keys at all (``keys``)."""
    if actor.scopes is not None:
        if not keys:
            raise MissingScope("API keys cannot do this; it needs a person's session.")
        if scope is not None and scope not in actor.scopes:
            raise MissingScope(f"This API key lacks the {scope} scope.")
    if roles is not None and actor.role not in roles:
        raise Forbidden(f"This needs the role {' or '.join(sorted(roles))}.")
