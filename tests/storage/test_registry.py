"""Drafts and delegations round-trip; duplicates are refused; revocation is recorded."""

from __future__ import annotations

import pytest

from server.storage import DelegationExists, DraftExists, Storage, UnknownDelegation, UnknownDraft
from tests.storage.conftest import Clock


def test_a_draft_round_trips(store: Storage, clock: Clock) -> None:
    created = store.create_draft("Enhanced cooperation", "WGEC/2014/CRP.1", draft_id="wgec")
    assert store.get_draft("wgec") == created
    assert (created.title, created.symbol, created.state) == (
        "Enhanced cooperation",
        "WGEC/2014/CRP.1",
        "drafting",
    )
    assert created.created == clock.now
    assert created.created.tzinfo is not None


def test_drafts_get_ids_and_list_in_creation_order(store: Storage, clock: Clock) -> None:
    first = store.create_draft("Première ébauche", "A/1")
    clock.advance(minutes=1)
    second = store.create_draft("مشروع", "A/2")
    assert first.id != second.id
    assert store.list_drafts() == [first, second]


def test_an_unknown_draft_is_none(store: Storage) -> None:
    assert store.get_draft("nope") is None


def test_creating_a_draft_id_twice_is_refused(store: Storage) -> None:
    store.create_draft("One", "A/1", draft_id="d")
    with pytest.raises(DraftExists) as refused:
        store.create_draft("Two", "A/2", draft_id="d")
    assert refused.value.draft_id == "d"
    assert store.get_draft("d") is not None
    assert store.get_draft("d").title == "One"  # type: ignore[union-attr]


def test_set_state_changes_the_state_only(store: Storage, draft: str) -> None:
    before = store.get_draft(draft)
    after = store.set_state(draft, "adopted")
    assert after.state == "adopted"
    assert store.get_draft(draft) == after
    assert before is not None and (after.title, after.created) == (before.title, before.created)


def test_set_state_of_an_unknown_draft_is_refused(store: Storage) -> None:
    with pytest.raises(UnknownDraft):
        store.set_state("nope", "adopted")


def test_a_delegation_round_trips(store: Storage, clock: Clock) -> None:
    added = store.add_delegation("BRA", "Brazil", "member_state", "member")
    assert store.get_delegation("BRA") == added
    assert (added.name, added.constituency, added.role) == ("Brazil", "member_state", "member")
    assert added.created == clock.now
    assert not added.revoked
    assert store.get_delegation("ZAF") is None


def test_adding_a_delegation_twice_is_refused(store: Storage) -> None:
    store.add_delegation("EU", "European Union", "intergovernmental", "member")
    with pytest.raises(DelegationExists):
        store.add_delegation("EU", "Someone else", "civil_society", "observer")


def test_revoking_a_delegation_records_when_and_hides_it_from_the_list(
    store: Storage, clock: Clock
) -> None:
    store.add_delegation("ICC", "Intl Chamber of Commerce", "business", "member")
    store.add_delegation("ISOC", "Internet Society", "technical_academic", "observer")
    revoked_at = clock.advance(hours=1)
    revoked = store.revoke_delegation("ICC")
    assert revoked.revoked_at == revoked_at
    clock.advance(hours=1)
    assert store.revoke_delegation("ICC").revoked_at == revoked_at  # the first time stays
    assert [d.code for d in store.list_delegations()] == ["ISOC"]
    assert [d.code for d in store.list_delegations(include_revoked=True)] == ["ICC", "ISOC"]


def test_revoking_an_unknown_delegation_is_refused(store: Storage) -> None:
    with pytest.raises(UnknownDelegation):
        store.revoke_delegation("XYZ")
