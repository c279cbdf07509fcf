"""Sign-in tokens: random, shown once, stored only as their SHA-256 digest.

A token is ``secrets.token_urlsafe(32)`` (256 bits), so a plain SHA-256 is enough: there is
nothing to brute-force that a slow hash would protect. Tokens never reach SQL, logs or reprs.
One in 64 would start with "-", which a command line reads as an option (`rollingtext object …
--token -x…` fails in argparse): those are drawn again (a loss of 0.02 bits).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.storage.errors import DelegationRevoked, UnknownDelegation
from server.storage.models import CredentialRow, DelegationRow
from server.storage.records import DelegationRecord, utc

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 256  # far above a real token; refuses to hash arbitrarily large input


def new_token() -> str:
    while True:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if not token.startswith("-"):
            return token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(session: Session, code: str, expires_at: datetime | None, now: datetime) -> str:
    """A new token for delegation ``code``; only its digest is stored."""
    delegation = session.get(DelegationRow, code)
    if delegation is None:
        raise UnknownDelegation(code)
    if delegation.revoked_at is not None:
        raise DelegationRevoked(code)
    if expires_at is not None and utc(expires_at, "expires_at") <= now:
        raise ValueError("a token must expire in the future")
    token = new_token()
    session.add(
        CredentialRow(
            delegation_code=code, token_hash=token_hash(token), created=now, expires_at=expires_at
        )
    )
    return token


def authenticate(session: Session, token: str, now: datetime) -> DelegationRecord | None:
    """The delegation a live token belongs to; None for an unknown, revoked or expired one."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = token_hash(token)
    found = session.execute(
        select(CredentialRow, DelegationRow)
        .join(DelegationRow, DelegationRow.code == CredentialRow.delegation_code)
        .where(CredentialRow.token_hash == digest)
    ).one_or_none()
    if found is None:
        return None
    credential, delegation = found
    if not hmac.compare_digest(credential.token_hash, digest):
        return None
    if credential.revoked_at is not None or delegation.revoked_at is not None:
        return None
    if credential.expires_at is not None and credential.expires_at <= now:
        return None
    return delegation.record()


def invalid_digests(session: Session, digests: Collection[str], now: datetime) -> set[str]:
    """Which of these token digests no longer sign anyone in (unknown, revoked, expired, or
    their delegation revoked). Connections holding them must be closed."""
    wanted = set(digests)
    if not wanted:
        return set()
    # Polled for every live connection twice a second: the database picks the valid digests
    # (one column, no ORM objects), so the check costs little per connection.
    valid = session.scalars(
        select(CredentialRow.token_hash)
        .join(DelegationRow, DelegationRow.code == CredentialRow.delegation_code)
        .where(
            CredentialRow.token_hash.in_(wanted),
            CredentialRow.revoked_at.is_(None),
            DelegationRow.revoked_at.is_(None),
            or_(CredentialRow.expires_at.is_(None), CredentialRow.expires_at > now),
        )
    )
    return wanted - set(valid)


def revoke(session: Session, token: str, now: datetime) -> bool:
    """Revoke one token; False when no such token exists (revoking twice keeps the first time)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    credential = session.scalars(
        select(CredentialRow).where(CredentialRow.token_hash == token_hash(token))
    ).one_or_none()
    if credential is None:
        return False
    if credential.revoked_at is None:
        credential.revoked_at = now
    return True
