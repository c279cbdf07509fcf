"""Managing the paragraphs of a draft: add, move, relabel (the Chair and the secretariat)."""

from __future__ import annotations

from drafting import commands as cmd
from drafting import events as ev
from drafting.context import Context
from drafting.draft import Draft
from drafting.errors import DraftingError, ErrorCode
from drafting.labels import next_label
from drafting.rules.guards import new_id
from drafting.vocabulary import ParagraphKind


def paragraph_kind(kind: str) -> ParagraphKind:
    try:
        return ParagraphKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in ParagraphKind)
        raise DraftingError(
            ErrorCode.INVALID, f"paragraph kind {kind!r} is not one of {allowed}"
        ) from None


def labels_in_use(draft: Draft) -> set[str]:
    return {p.label for p in draft.ordered() if p.label}


def unused_label(draft: Draft, label: str, *, exempt: str | None = None) -> str:
    clashing = [p for p in draft.ordered() if p.label == label and p.id != exempt and label]
    if clashing:
        raise DraftingError(ErrorCode.INVALID, f"label {label!r} is already in use")
    return label


def position(draft: Draft, after: str | None, *, first: bool = False) -> str | None:
    """The paragraph a new one follows; None when it goes first."""
    if after is not None:
        draft.paragraph(after)
        return after
    if first or not draft.order:
        return None
    return draft.order[-1]


def add_paragraph(draft: Draft, c: cmd.AddParagraph, ctx: Context) -> tuple[ev.Event, ...]:
    new_id(draft, c.paragraph, "paragraph")
    kind = paragraph_kind(c.kind)
    label = c.label
    if label is None:
        label = next_label(kind, [(p.kind, p.label) for p in draft.ordered()])
    unused_label(draft, label)
    after = position(draft, c.after, first=c.first)
    return (ev.ParagraphAdded(c.paragraph, label, kind.value, after, c.text),)


def move_paragraph(draft: Draft, c: cmd.MoveParagraph, ctx: Context) -> tuple[ev.Event, ...]:
    draft.paragraph(c.paragraph)
    if c.after == c.paragraph:
        raise DraftingError(ErrorCode.INVALID, "a paragraph cannot follow itself")
    if c.after is not None:
        draft.paragraph(c.after)
    return (ev.ParagraphMoved(c.paragraph, c.after),)


def relabel_paragraph(draft: Draft, c: cmd.RelabelParagraph, ctx: Context) -> tuple[ev.Event, ...]:
    draft.paragraph(c.paragraph)
    label = c.label.strip()
    if not label:
        raise DraftingError(ErrorCode.INVALID, "a label cannot be empty")
    unused_label(draft, label, exempt=c.paragraph)
    return (ev.ParagraphRelabelled(c.paragraph, label),)
