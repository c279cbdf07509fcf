"""Presence: the awareness states of a room's clients (y-protocols awareness), kept and relayed.

The server keeps the latest state of each client id so a newcomer sees who is here at once, and
announces a client's departure (state ``null``) when its connection ends.
"""

from __future__ import annotations

from server.wire import AwarenessEntry, awareness_entries, awareness_update

MAX_CLIENTS_PER_UPDATE = 1000


class AwarenessStates:
    def __init__(self) -> None:
        self._states: dict[int, AwarenessEntry] = {}

    def apply(self, payload: bytes) -> set[int]:
        """Take in an awareness update; the client ids it spoke for. Raises `MalformedFrame`."""
        entries = list(awareness_entries(payload))
        seen: set[int] = set()
        for entry in entries[:MAX_CLIENTS_PER_UPDATE]:
            seen.add(entry.client)
            known = self._states.get(entry.client)
            if known is None or entry.clock >= known.clock:
                self._states[entry.client] = entry
        return seen

    def current(self) -> bytes:
        """Every present client's state as one awareness update (empty bytes when none)."""
        present = [e for e in self._states.values() if e.state != "null"]
        return awareness_update(present) if present else b""

    def remove(self, clients: set[int]) -> bytes:
        """Mark clients gone; the update that tells the others (empty bytes when none)."""
        gone = []
        for client in clients:
            entry = self._states.pop(client, None)
            if entry is not None and entry.state != "null":
                gone.append(AwarenessEntry(client, entry.clock + 1, "null"))
        return awareness_update(gone) if gone else b""

    def __len__(self) -> int:
        return len(self._states)
