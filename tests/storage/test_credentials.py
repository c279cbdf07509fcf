"""Tokens: stored hashed only; authenticate refuses wrong, revoked and expired tokens."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from server.storage import DelegationRevoked, Storage, UnknownDelegation
from server.storage.credentials import new_token
from tests.storage.conftest import Backend, Clock

ALL_TABLES = ("drafts", "delegations", "credentials", "events", "updates", "snapshots")


@pytest.fixture
def bra(store: Storage) -> str:
    return store.add_delegation("BRA", "Brazil", "member_state", "member").code


def test_an_issued_token_authenticates_its_delegation(store: Storage, bra: str) -> None:
    token = store.issue_token(bra)
    found = store.authenticate(token)
    assert found is not None and found.code == "BRA"
    assert len(token) >= 43  # 32 random bytes, url-safe base64


def test_no_token_starts_with_a_dash_a_command_line_would_read_as_an_option() -> None:
    # One url-safe token in 64 would (a CI run failed on one: `--token -LJCp…`); 5,000 draws
    # would hold ~78 of them.
    assert not any(new_token().startswith("-") for _ in range(5000))


def test_only_the_sha256_of_a_token_is_stored(store: Storage, bra: str, backend: Backend) -> None:
    tokens = [store.issue_token(bra) for _ in range(3)]
    rows = backend.rows("SELECT * FROM credentials")
    assert len(rows) == 3
    hashes = backend.rows("SELECT token_hash FROM credentials")
    assert sorted(h for (h,) in hashes) == sorted(
        hashlib.sha256(t.encode()).hexdigest() for t in tokens
    )
    for table in ALL_TABLES:
        dump = repr(backend.rows(f"SELECT * FROM {table}"))
        assert not any(token in dump for token in tokens), table


def test_every_token_is_different(store: Storage, bra: str) -> None:
    assert len({store.issue_token(bra) for _ in range(20)}) == 20


@pytest.mark.parametrize("wrong", ["", "x", "not-a-token" * 3, "A" * 10_000])
def test_a_wrong_token_is_refused(store: Storage, bra: str, wrong: str) -> None:
    store.issue_token(bra)
    assert store.authenticate(wrong) is None


def test_a_token_altered_by_one_character_is_refused(store: Storage, bra: str) -> None:
    token = store.issue_token(bra)
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert store.authenticate(altered) is None


def test_a_revoked_token_is_refused_and_others_still_work(store: Storage, bra: str) -> None:
    revoked, kept = store.issue_token(bra), store.issue_token(bra)
    assert store.revoke_token(revoked) is True
    assert store.authenticate(revoked) is None
    assert store.authenticate(kept) is not None
    assert store.revoke_token("never-issued") is False


def test_an_expired_token_is_refused(store: Storage, bra: str, clock: Clock) -> None:
    expires = clock.now + timedelta(hours=72)
    token = store.issue_token(bra, expires_at=expires)
    assert store.authenticate(token, now=expires - timedelta(seconds=1)) is not None
    assert store.authenticate(token, now=expires) is None
    clock.advance(hours=73)
    assert store.authenticate(token) is None  # the storage clock too


def test_a_token_cannot_be_issued_already_expired(store: Storage, bra: str, clock: Clock) -> None:
    with pytest.raises(ValueError):
        store.issue_token(bra, expires_at=clock.now)


def test_a_token_of_a_revoked_delegation_is_refused(store: Storage, bra: str) -> None:
    token = store.issue_token(bra)
    store.revoke_delegation(bra)
    assert store.authenticate(token) is None


def test_tokens_are_issued_only_to_known_live_delegations(store: Storage, bra: str) -> None:
    with pytest.raises(UnknownDelegation):
        store.issue_token("ZZZ")
    store.revoke_delegation(bra)
    with pytest.raises(DelegationRevoked):
        store.issue_token(bra)
