"""Presence: the awareness states of a room's clients (y-protocols awareness), kept and relayed.

The server keeps the latest state of each client id so a newcomer sees who is here at once, and
announces a client's departure (state ``null``) when its connection ends. Presence cannot be
spoofed: the server stamps every state with the sending connection's delegation
(``"delegation": {"code", "name", "role"}``, overwriting whatever the client wrote), and a client
id belongs to the first connection that used it.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping
from typing import Any

from server.wire import AwarenessEntry, MalformedFrame, awareness_entries, awareness_update

MAX_CLIENTS_PER_UPDATE = 1000


class AwarenessStates:
    def __init__(self) -> None:
        self._states: dict[int, AwarenessEntry] = {}
        self._owners: dict[int, Hashable] = {}

    def apply(
        self, payload: bytes, owner: Hashable, stamp: Mapping[str, Any]
    ) -> tuple[set[int], bytes]:
        """Take in a connection's awareness update: the client ids it may speak for, and the
        stamped update to relay (empty when nothing changed). Raises `MalformedFrame` — before
        changing anything — when any entry is malformed."""
        entries = [
            AwarenessEntry(e.client, e.clock, _stamp(e.state, stamp))
            for e in list(awareness_entries(payload))[:MAX_CLIENTS_PER_UPDATE]
        ]
        accepted: list[AwarenessEntry] = []
        for entry in entries:
            if self._owners.setdefault(entry.client, owner) != owner:
                continue  # another connection's client id: not this one's to change
            known = self._states.get(entry.client)
            if known is not None and entry.clock < known.clock:
                continue
            self._states[entry.client] = entry
            accepted.append(entry)
        clients = {e.client for e in accepted}
        return clients, awareness_update(accepted) if accepted else b""

    def apply_relayed(self, payload: bytes, process: str) -> bytes:
        """Take in states another server process already stamped (its clients' presence);
        the update to relay to this process's clients (empty when nothing changed)."""
        accepted: list[AwarenessEntry] = []
        owner = ("process", process)
        for entry in list(awareness_entries(payload))[:MAX_CLIENTS_PER_UPDATE]:
            if self._owners.setdefault(entry.client, owner) != owner:
                continue
            known = self._states.get(entry.client)
            if known is not None and entry.clock < known.clock:
                continue
            if entry.state == "null":
                self._owners.pop(entry.client, None)
                self._states.pop(entry.client, None)
            else:
                self._states[entry.client] = entry
            accepted.append(entry)
        return awareness_update(accepted) if accepted else b""

    def current(self) -> bytes:
        """Every present client's state as one awareness update (with a count of 0 if none)."""
        return awareness_update([e for e in self._states.values() if e.state != "null"])

    @property
    def present(self) -> bool:
        return any(e.state != "null" for e in self._states.values())

    def remove(self, clients: set[int]) -> bytes:
        """Mark clients gone; the update that tells the others (empty bytes when none)."""
        gone = []
        for client in clients:
            self._owners.pop(client, None)
            entry = self._states.pop(client, None)
            if entry is not None and entry.state != "null":
                gone.append(AwarenessEntry(client, entry.clock + 1, "null"))
        return awareness_update(gone) if gone else b""

    def __len__(self) -> int:
        return len(self._states)


def _stamp(state: str, stamp: Mapping[str, Any]) -> str:
    if state == "null":
        return state
    parsed = json.loads(state)
    if not isinstance(parsed, dict):
        raise MalformedFrame("an awareness state is a JSON object or null")
    parsed["delegation"] = dict(stamp)
    return json.dumps(parsed, ensure_ascii=False, separators=(",", ":"))
