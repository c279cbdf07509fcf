"""The procedural state of one draft: what the record says now (a fold over events, DESIGN §6).

Text lives in the live document; this state holds everything procedural about it. All types are
frozen: a new event yields a new state (`drafting.record.apply`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from drafting.errors import DraftingError, ErrorCode
from drafting.vocabulary import (
    AmendmentKind,
    AmendmentStatus,
    ContributionStatus,
    DraftState,
    ObjectionStatus,
    ParagraphKind,
    ParagraphStatus,
)


@dataclass(frozen=True)
class Target:
    """What an objection, reservation or consensus call is about: a paragraph or an amendment."""

    kind: str  # "paragraph" | "amendment" | "draft"
    id: str

    @classmethod
    def parse(cls, text: str) -> Target:
        kind, sep, ident = text.partition(":")
        if kind == "draft" and not sep:
            return cls("draft", "")
        if not sep or kind not in ("paragraph", "amendment", "draft") or not ident:
            raise DraftingError(
                ErrorCode.INVALID,
                f"target {text!r} must be 'paragraph:<id>', 'amendment:<id>' or 'draft'",
            )
        return cls(kind, ident)

    def __str__(self) -> str:
        return "draft" if self.kind == "draft" else f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Paragraph:
    id: str
    label: str
    kind: ParagraphKind
    status: ParagraphStatus = ParagraphStatus.OPEN
    proposal: str | None = None  # the pending amendment proposing this paragraph, if any
    alternative_to: str | None = None
    removed: bool = False
    silence_deadline: datetime | None = None
    ad_ref_pending: frozenset[str] = frozenset()

    @property
    def locked(self) -> bool:
        """Agreed (or agreed ad referendum): no edit, no proposal, until reopened."""
        return self.status in (ParagraphStatus.AGREED, ParagraphStatus.AGREED_AD_REF)


@dataclass(frozen=True)
class Amendment:
    id: str
    paragraph: str
    proposer: str
    kind: AmendmentKind
    created: datetime
    status: AmendmentStatus = AmendmentStatus.PENDING
    supporters: tuple[str, ...] = ()
    inserted: str = ""
    deleted: str = ""
    contribution: str | None = None

    @property
    def pending(self) -> bool:
        return self.status == AmendmentStatus.PENDING


@dataclass(frozen=True)
class Objection:
    id: str
    target: Target
    delegation: str
    reason: str
    raised: datetime
    status: ObjectionStatus = ObjectionStatus.OUTSTANDING

    @property
    def outstanding(self) -> bool:
        return self.status == ObjectionStatus.OUTSTANDING


@dataclass(frozen=True)
class Reservation:
    id: str
    target: Target
    delegation: str
    text: str
    entered: datetime


@dataclass(frozen=True)
class Contribution:
    id: str
    delegation: str
    text: str
    paragraph: str | None
    submitted: datetime
    status: ContributionStatus = ContributionStatus.SUBMITTED
    amendment: str | None = None


@dataclass(frozen=True)
class Floor:
    """Who has the floor, and until when."""

    delegation: str
    started: datetime
    ends: datetime


@dataclass(frozen=True)
class Draft:
    id: str
    title: str
    symbol: str
    state: DraftState = DraftState.DRAFTING
    order: tuple[str, ...] = ()
    paragraphs: Mapping[str, Paragraph] = field(default_factory=dict)
    amendments: Mapping[str, Amendment] = field(default_factory=dict)
    objections: Mapping[str, Objection] = field(default_factory=dict)
    reservations: Mapping[str, Reservation] = field(default_factory=dict)
    contributions: Mapping[str, Contribution] = field(default_factory=dict)
    queue: tuple[str, ...] = ()
    floor: Floor | None = None
    seq: int = 0  # the sequence number of the last event folded in

    def paragraph(self, paragraph_id: str) -> Paragraph:
        found = self.paragraphs.get(paragraph_id)
        if found is None or found.removed:
            raise DraftingError(
                ErrorCode.UNKNOWN_PARAGRAPH, f"no paragraph {paragraph_id!r} in this draft"
            )
        return found

    def amendment(self, amendment_id: str) -> Amendment:
        found = self.amendments.get(amendment_id)
        if found is None:
            raise DraftingError(
                ErrorCode.UNKNOWN_AMENDMENT, f"no amendment {amendment_id!r} in this draft"
            )
        return found

    def objection(self, objection_id: str) -> Objection:
        found = self.objections.get(objection_id)
        if found is None:
            raise DraftingError(
                ErrorCode.UNKNOWN_OBJECTION, f"no objection {objection_id!r} in this draft"
            )
        return found

    def contribution(self, contribution_id: str) -> Contribution:
        found = self.contributions.get(contribution_id)
        if found is None:
            raise DraftingError(
                ErrorCode.UNKNOWN_CONTRIBUTION, f"no contribution {contribution_id!r}"
            )
        return found

    def ordered(self) -> tuple[Paragraph, ...]:
        """The paragraphs in order, removed ones left out."""
        return tuple(self.paragraphs[p] for p in self.order)

    def pending_in(self, paragraph_id: str) -> tuple[Amendment, ...]:
        return tuple(
            a for a in self.amendments.values() if a.paragraph == paragraph_id and a.pending
        )

    def outstanding_against(self, target: Target) -> tuple[Objection, ...]:
        return tuple(o for o in self.objections.values() if o.target == target and o.outstanding)
