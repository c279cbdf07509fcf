"""One error type for every refusal of the core, each with a stable machine code (DESIGN §3).

The shell maps codes to HTTP statuses and websocket close codes in one place; the message is for
people. `NoConsensus` also names every blocker of a failed consensus call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    FORBIDDEN = "forbidden"
    UNKNOWN_DRAFT = "unknown_draft"
    UNKNOWN_PARAGRAPH = "unknown_paragraph"
    UNKNOWN_AMENDMENT = "unknown_amendment"
    UNKNOWN_OBJECTION = "unknown_objection"
    UNKNOWN_CONTRIBUTION = "unknown_contribution"
    UNKNOWN_DELEGATION = "unknown_delegation"
    DUPLICATE_ID = "duplicate_id"
    INVALID = "invalid"
    DRAFT_EXISTS = "draft_exists"
    DRAFT_ADOPTED = "draft_adopted"
    PARAGRAPH_LOCKED = "paragraph_locked"
    UNDER_SILENCE = "under_silence"
    NOT_UNDER_SILENCE = "not_under_silence"
    SILENCE_RUNNING = "silence_running"
    NOT_AD_REFERENDUM = "not_ad_referendum"
    NOT_PENDING = "not_pending"
    ALREADY_SUPPORTED = "already_supported"
    NOT_SUPPORTED = "not_supported"
    OWN_AMENDMENT = "own_amendment"
    ALREADY_OBJECTED = "already_objected"
    NOT_OUTSTANDING = "not_outstanding"
    NO_CONSENSUS = "no_consensus"
    NOT_ALL_AGREED = "not_all_agreed"
    ALREADY_TAKEN_UP = "already_taken_up"
    ALREADY_IN_QUEUE = "already_in_queue"
    NOT_IN_QUEUE = "not_in_queue"
    NO_SPEAKER = "no_speaker"
    FLOOR_TAKEN = "floor_taken"


class DraftingError(Exception):
    """A command the rules refuse. ``code`` is stable; ``message`` is for people."""

    def __init__(self, code: ErrorCode, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: Mapping[str, Any] = details

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code.value!r}, {self.message!r})"


@dataclass(frozen=True)
class Blocker:
    """What stops a consensus: a delegation's outstanding objection, or a pending amendment."""

    delegation: str | None = None
    objection: str | None = None
    amendment: str | None = None

    def as_json(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v is not None}


class NoConsensus(DraftingError):
    """A consensus call (or silence, or ad referendum) that found blockers; nothing changed."""

    def __init__(self, target: str, blockers: tuple[Blocker, ...]) -> None:
        names = sorted({b.delegation for b in blockers if b.delegation})
        pending = [b.amendment for b in blockers if b.amendment]
        parts = []
        if names:
            parts.append("objection from " + ", ".join(names))
        if pending:
            parts.append(f"{len(pending)} pending amendment(s): " + ", ".join(pending))
        super().__init__(
            ErrorCode.NO_CONSENSUS,
            f"No consensus on {target}: " + "; ".join(parts),
            blockers=[b.as_json() for b in blockers],
        )
        self.blockers = blockers
