"""A user's own data (GDPR): a copy of it, and the erasure of their account."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from bolttickets.api.auditing import Audit
from bolttickets.api.deps import PrivacyDep, SessionsDep
from bolttickets.api.schemas import PersonalDataOut, Problem
from bolttickets.api.security import Person, clear_session_cookies

router = APIRouter(prefix="/api/me", tags=["privacy"])


@router.get(
    "/export",
    operation_id="exportMyData",
    responses={401: {"model": Problem}, 503: {"model": Problem}},
)
async def export_my_data(actor: Person, audit: Audit, privacy: PrivacyDep) -> PersonalDataOut:
    """Your account, every booking you made and the audit log's entries about you, as JSON.
    The export is itself audited."""
    return PersonalDataOut.of(await privacy.export(actor.user_id, audit.by))


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="eraseMyAccount",
    responses={
        401: {"model": Problem},
        409: {"model": Problem, "description": "last-admin: the only admin cannot be erased"},
        503: {"model": Problem},
    },
)
async def erase_my_account(
    actor: Person,
    audit: Audit,
    privacy: PrivacyDep,
    sessions: SessionsDep,
    response: Response,
) -> None:
    """Erase your account: its email is replaced by a pseudonym and its password removed,
    so nobody can log in as it; your bookings are kept for accounting, owned by the
    pseudonymous account. The erasure is itself audited."""
    await privacy.erase(actor.user_id, audit.by)
    # Every process forgets the account's tokens within a second, as after logout-all.
    await sessions.revoke_all(actor.user_id)
    clear_session_cookies(response)
