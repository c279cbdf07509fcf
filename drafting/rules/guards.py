"""Checks shared by several rules: existence, locks, and what blocks a consensus."""

from __future__ import annotations

from drafting.draft import Amendment, Draft, Paragraph, Target
from drafting.errors import Blocker, DraftingError, ErrorCode
from drafting.ids import valid_id
from drafting.vocabulary import AmendmentKind, ParagraphStatus


def new_id(draft: Draft, ident: str, what: str) -> None:
    """Refuse an id already used for ``what`` in this draft, or a malformed one."""
    taken = {
        "paragraph": draft.paragraphs,
        "amendment": draft.amendments,
        "objection": draft.objections,
        "reservation": draft.reservations,
        "contribution": draft.contributions,
    }[what]
    if not valid_id(ident):
        raise DraftingError(ErrorCode.INVALID, f"{what} id {ident!r} is not a valid id")
    if ident in taken:
        raise DraftingError(ErrorCode.DUPLICATE_ID, f"{what} id {ident!r} is already used")


def open_paragraph(draft: Draft, paragraph_id: str) -> Paragraph:
    """The paragraph, if its text may still be negotiated (status ``open``)."""
    paragraph = draft.paragraph(paragraph_id)
    if paragraph.locked:
        raise DraftingError(
            ErrorCode.PARAGRAPH_LOCKED,
            f"{paragraph.label} is agreed and locked until the Chair reopens it",
        )
    if paragraph.status == ParagraphStatus.UNDER_SILENCE:
        raise DraftingError(
            ErrorCode.UNDER_SILENCE,
            f"{paragraph.label} is under silence: object to break the silence first",
        )
    return paragraph


def base_paragraph(draft: Draft, paragraph_id: str) -> Paragraph:
    """An open paragraph that is part of the text, not itself a pending proposal."""
    paragraph = open_paragraph(draft, paragraph_id)
    if paragraph.proposal is not None:
        raise DraftingError(
            ErrorCode.INVALID,
            f"{paragraph.label} is itself a pending proposal ({paragraph.proposal}); "
            "settle it before amending it",
        )
    return paragraph


def pending_amendment(draft: Draft, amendment_id: str) -> Amendment:
    amendment = draft.amendment(amendment_id)
    if not amendment.pending:
        raise DraftingError(
            ErrorCode.NOT_PENDING, f"amendment {amendment_id} is already {amendment.status}"
        )
    return amendment


def target(draft: Draft, text: str, *, allow_draft: bool = False) -> Target:
    """A parsed target that exists in this draft."""
    parsed = Target.parse(text)
    if parsed.kind == "paragraph":
        draft.paragraph(parsed.id)
    elif parsed.kind == "amendment":
        draft.amendment(parsed.id)
    elif not allow_draft:
        raise DraftingError(ErrorCode.INVALID, "the target must be a paragraph or an amendment")
    return parsed


def amendment_blockers(draft: Draft, amendment_id: str) -> tuple[Blocker, ...]:
    return tuple(
        Blocker(delegation=o.delegation, objection=o.id)
        for o in draft.outstanding_against(Target("amendment", amendment_id))
    )


def paragraph_blockers(draft: Draft, paragraph_id: str) -> tuple[Blocker, ...]:
    """Everything standing between a paragraph and agreement, every blocker named."""
    objections = tuple(
        Blocker(delegation=o.delegation, objection=o.id)
        for o in draft.outstanding_against(Target("paragraph", paragraph_id))
    )
    pending = [a.id for a in draft.pending_in(paragraph_id)]
    pending += [
        p.proposal
        for p in draft.ordered()
        if p.alternative_to == paragraph_id and p.proposal is not None
    ]
    return objections + tuple(Blocker(amendment=a) for a in pending)


def is_whole_paragraph(amendment: Amendment) -> bool:
    return amendment.kind in (
        AmendmentKind.NEW_PARAGRAPH,
        AmendmentKind.ALTERNATIVE,
        AmendmentKind.DELETE_PARAGRAPH,
    )
