from __future__ import annotations

import json
from datetime import timedelta

from drafting import commands as cmd
from drafting.events import EVENT_TYPES, from_record, to_record
from drafting.record import Recorded, replay, unhandled_event_types
from tests.drafting.room import Room, room_with_paragraphs


def _negotiated_room() -> Room:
    room = room_with_paragraphs("We recommend cooperation.", "Invites all.")
    room.do("BRA", cmd.ProposeAmendment("a1", "p1", "insert", inserted="strongly"))
    room.do("ZAF", cmd.SupportAmendment("a1"))
    room.do("USA", cmd.Object("o1", "amendment:a1", "too strong"))
    room.do("USA", cmd.Reserve("r1", "draft", "We read 'cooperation' as voluntary."))
    room.do("USA", cmd.WithdrawObjection("o1"))
    room.do("CHAIR", cmd.CallConsensus("amendment:a1"))
    room.do("CHAIR", cmd.StartSilence("paragraph:p2", room.now + timedelta(hours=1)))
    room.tick(hours=2)
    room.do("CHAIR", cmd.ExpireSilence("p2"))
    room.do("BRA", cmd.AskForFloor())
    room.do("CHAIR", cmd.GiveFloor(time_limit=timedelta(minutes=3)))
    return room


def test_every_event_type_has_a_fold_rule() -> None:
    assert unhandled_event_types() == set()


def test_replay_of_the_record_reproduces_the_state() -> None:
    room = _negotiated_room()
    assert replay(room.history) == room.state


def test_events_survive_a_trip_through_json_storage() -> None:
    room = _negotiated_room()
    stored = [
        (r.seq, r.at, r.actor, json.dumps(to_record(r.event)[1]), r.event.type)
        for r in room.history
    ]
    restored = [
        Recorded(seq, at, actor, from_record(kind, json.loads(payload)))
        for seq, at, actor, payload, kind in stored
    ]
    assert [r.event for r in restored] == [r.event for r in room.history]
    assert replay(restored) == room.state


def test_sequence_numbers_are_consecutive_from_one() -> None:
    room = _negotiated_room()
    assert [r.seq for r in room.history] == list(range(1, len(room.history) + 1))
    assert room.state.seq == len(room.history)


def test_event_type_names_are_stable_snake_case() -> None:
    assert "objection_raised" in EVENT_TYPES
    assert "draft_adopted" in EVENT_TYPES
    assert all(name == name.lower() and " " not in name for name in EVENT_TYPES)
