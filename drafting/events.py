"""Events: what happened, as the record keeps it (DESIGN §6). Frozen, JSON-serializable.

Each event type has a stable ``type`` name (its class name in snake case) used by storage and by
the wire; `to_record` / `from_record` convert to and from ``(type, payload)``.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Union


@dataclass(frozen=True)
class Event:
    type: ClassVar[str] = "event"


@dataclass(frozen=True)
class DraftCreated(Event):
    draft: str
    title: str
    symbol: str


@dataclass(frozen=True)
class ParagraphAdded(Event):
    paragraph: str
    label: str
    kind: str
    after: str | None  # the paragraph it follows; None: first
    text: str  # initial base text


@dataclass(frozen=True)
class ParagraphMoved(Event):
    paragraph: str
    after: str | None


@dataclass(frozen=True)
class ParagraphRelabelled(Event):
    paragraph: str
    label: str


@dataclass(frozen=True)
class AmendmentProposed(Event):
    """A proposal within a paragraph's text (insert, delete, replace)."""

    amendment: str
    paragraph: str
    proposer: str
    kind: str
    inserted: str = ""
    deleted: str = ""
    contribution: str | None = None


@dataclass(frozen=True)
class AmendmentRevised(Event):
    amendment: str
    kind: str


@dataclass(frozen=True)
class ParagraphProposed(Event):
    """A proposal of a whole new paragraph, or of an alternative to one (``OP6alt``)."""

    amendment: str
    paragraph: str
    proposer: str
    label: str
    kind: str
    after: str | None
    text: str
    alternative_to: str | None = None
    contribution: str | None = None


@dataclass(frozen=True)
class ParagraphDeletionProposed(Event):
    amendment: str
    paragraph: str
    proposer: str


@dataclass(frozen=True)
class AmendmentSupported(Event):
    amendment: str
    delegation: str


@dataclass(frozen=True)
class SupportWithdrawn(Event):
    amendment: str
    delegation: str


@dataclass(frozen=True)
class AmendmentWithdrawn(Event):
    amendment: str


@dataclass(frozen=True)
class AmendmentAccepted(Event):
    amendment: str


@dataclass(frozen=True)
class AmendmentRejected(Event):
    amendment: str


@dataclass(frozen=True)
class ObjectionRaised(Event):
    objection: str
    target: str  # "paragraph:<id>" | "amendment:<id>"
    delegation: str
    reason: str


@dataclass(frozen=True)
class ObjectionWithdrawn(Event):
    objection: str


@dataclass(frozen=True)
class ReservationEntered(Event):
    reservation: str
    target: str
    delegation: str
    text: str


@dataclass(frozen=True)
class ParagraphAgreed(Event):
    paragraph: str
    by: str  # "consensus" | "silence" | "ad_referendum"


@dataclass(frozen=True)
class ConsensusNotReached(Event):
    """A consensus call that found blockers: on the record (every action is), changing nothing."""

    target: str
    objectors: tuple[str, ...] = ()  # delegations whose objection stood
    pending: tuple[str, ...] = ()  # amendments still pending in the paragraph


@dataclass(frozen=True)
class SilenceStarted(Event):
    paragraphs: tuple[str, ...]
    deadline: datetime


@dataclass(frozen=True)
class SilenceBroken(Event):
    paragraph: str
    delegation: str


@dataclass(frozen=True)
class AgreedAdReferendum(Event):
    paragraph: str
    pending: tuple[str, ...]


@dataclass(frozen=True)
class AdReferendumConfirmed(Event):
    paragraph: str
    delegation: str


@dataclass(frozen=True)
class AdReferendumBroken(Event):
    paragraph: str
    delegation: str


@dataclass(frozen=True)
class ParagraphReopened(Event):
    paragraph: str


@dataclass(frozen=True)
class DraftAdopted(Event):
    labels: tuple[tuple[str, str], ...]  # (paragraph id, final label), in order


@dataclass(frozen=True)
class ContributionSubmitted(Event):
    contribution: str
    delegation: str
    text: str
    paragraph: str | None


@dataclass(frozen=True)
class ContributionTakenUp(Event):
    contribution: str
    amendment: str


@dataclass(frozen=True)
class FloorRequested(Event):
    delegation: str


@dataclass(frozen=True)
class FloorRequestWithdrawn(Event):
    delegation: str


@dataclass(frozen=True)
class FloorGiven(Event):
    delegation: str
    ends: datetime


@dataclass(frozen=True)
class InterventionEnded(Event):
    delegation: str


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


EVENT_TYPES: dict[str, type[Event]] = {}
for _cls in list(globals().values()):
    if isinstance(_cls, type) and issubclass(_cls, Event) and _cls is not Event:
        _cls.type = _snake(_cls.__name__)
        EVENT_TYPES[_cls.type] = _cls


class RecordError(ValueError):
    """A stored record that does not describe a known event."""


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    return value


def to_record(event: Event) -> tuple[str, dict[str, Any]]:
    """``(type, payload)``: the JSON form storage keeps."""
    return event.type, {f.name: _to_json(getattr(event, f.name)) for f in dataclasses.fields(event)}


def _from_json(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _from_json(inner, value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_from_json(args[0], v) for v in value)
        return tuple(_from_json(a, v) for a, v in zip(args, value, strict=True))
    return value


_HINTS: dict[str, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """An event class's resolved field types (resolving them is slow; a room's load reads
    every event of the record)."""
    hints = _HINTS.get(cls.__qualname__)
    if hints is None:
        hints = _HINTS[cls.__qualname__] = typing.get_type_hints(cls)
    return hints


def from_record(type_name: str, payload: Mapping[str, Any]) -> Event:
    """The event a stored ``(type, payload)`` describes."""
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        raise RecordError(f"unknown event type {type_name!r}")
    hints = _hints(cls)
    try:
        kwargs = {
            f.name: _from_json(hints[f.name], payload[f.name])
            for f in dataclasses.fields(cls)
            if f.name in payload
        }
        return cls(**kwargs)
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordError(f"bad payload for {type_name}: {exc}") from exc
