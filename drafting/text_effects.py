"""What recorded events do to the text (DESIGN §5), and what typed edits mean for the record.

Both directions live here so the server and the tests apply exactly the same rule:
- `text_effect`: a paragraph added or proposed brings its first text; an amendment accepted
  becomes base text; one rejected or withdrawn leaves no trace.
- `commands_for_edit`: an admitted edit that uses a new amendment id proposes that amendment
  (its author is the editor); one that empties an amendment's text and marks withdraws it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from drafting import commands as cmd
from drafting import events as ev
from drafting.draft import Draft
from drafting.rules.amendments import TEXT_KINDS
from drafting.runs import (
    INS,
    Delta,
    Insert,
    Op,
    Retain,
    Runs,
    characters,
    del_key,
    ins_id,
    runs_of,
)
from drafting.settlement import accept_delta, pending_ids, reject_delta
from drafting.suggestion import Binding, Site, kind_of, kinds, text_is_open
from drafting.vocabulary import AmendmentKind, AmendmentStatus


@dataclass(frozen=True)
class NewText:
    """A paragraph that appears with this text."""

    paragraph: str
    runs: Runs


@dataclass(frozen=True)
class TextEdit:
    """A change to an existing paragraph's text (code point counts)."""

    paragraph: str
    delta: Delta


def text_effect(
    draft: Draft, event: ev.Event, runs: Callable[[str], Runs]
) -> NewText | TextEdit | None:
    """The text change ``event`` causes; ``runs(paragraph)`` reads the text as it is now."""
    if isinstance(event, ev.ParagraphAdded):
        return NewText(event.paragraph, runs_of(event.text))
    if isinstance(event, ev.ParagraphProposed):
        return NewText(event.paragraph, runs_of((event.text, {INS: event.amendment})))
    if isinstance(event, ev.AmendmentProposed) and event.contribution is not None:
        return _placed(event, runs(event.paragraph))
    if isinstance(event, ev.AmendmentAccepted | ev.AmendmentRejected | ev.AmendmentWithdrawn):
        amendment = draft.amendments.get(event.amendment)
        if amendment is None:
            return None
        current = runs(amendment.paragraph)
        settle = accept_delta if isinstance(event, ev.AmendmentAccepted) else reject_delta
        delta = settle(current, amendment.id)
        return TextEdit(amendment.paragraph, delta) if delta else None
    return None


def _placed(event: ev.AmendmentProposed, current: Runs) -> TextEdit | None:
    """A contribution taken up as a text amendment, put into the text as brackets: the words it
    deletes marked where they first stand in the base text, its words inserted after them (or
    at the end of the paragraph)."""
    base = "".join(ch if ins_id(attrs) is None else "\0" for ch, attrs in characters(current))
    at = base.find(event.deleted) if event.deleted else -1
    ops: list[Op] = []
    if at >= 0:  # (words no longer there: only the insertion is proposed)
        ops += [Retain(at), Retain(len(event.deleted), {del_key(event.amendment): True})]
        position = at + len(event.deleted)
    else:
        ops.append(Retain(len(base)))
        position = len(base)
    if event.inserted:
        appended = at < 0 and position and base[position - 1] != " "
        glue = " " if appended else ""
        ops.append(Insert(glue + event.inserted, {INS: event.amendment}))
    if at < 0 and not event.inserted:
        return None
    return TextEdit(
        event.paragraph,
        tuple(op for op in ops if not isinstance(op, Retain) or op.count or op.attrs),
    )


def commands_for_edit(
    draft: Draft,
    editor: str,
    changed: Mapping[str, Runs],
    new_ids: Mapping[str, str],
    emptied: Iterable[str],
) -> list[cmd.Command]:
    """The commands an admitted edit by ``editor`` implies. ``changed`` holds the new text of
    each paragraph it changed, ``new_ids`` maps each new amendment id to its paragraph,
    ``emptied`` lists ids with no text or mark left. A new id proposes an amendment; an emptied
    one is withdrawn; an own pending amendment whose marks now say another kind is revised."""
    commands: list[cmd.Command] = []
    for amendment, paragraph in new_ids.items():
        proposed = kind_of(changed[paragraph], amendment) or AmendmentKind.INSERT
        commands.append(cmd.ProposeAmendment(amendment, paragraph, proposed.value))
    for amendment in sorted(emptied):
        found = draft.amendments.get(amendment)
        if found is not None and found.pending and amendment not in new_ids:
            commands.append(cmd.WithdrawAmendment(amendment))
    settled = set(emptied) | set(new_ids)
    for text in changed.values():
        for amendment, now in sorted(kinds(text).items()):
            found = draft.amendments.get(amendment)
            if amendment in settled or found is None or not found.pending:
                continue
            if found.proposer == editor and found.kind in TEXT_KINDS and now != found.kind:
                commands.append(cmd.ReviseAmendment(amendment, now.value))
    return commands


def bindings(draft: Draft) -> dict[str, Binding]:
    """Every amendment id of the draft: who proposed it, where, and whether it is pending."""
    return {a.id: Binding(a.proposer, a.paragraph, a.pending) for a in draft.amendments.values()}


def site(draft: Draft, paragraph: str, known: Mapping[str, Binding] | None = None) -> Site:
    """What the validator needs to know of the draft to judge an edit of ``paragraph``
    (``known``: `bindings(draft)`, when the caller already has them)."""
    return Site(
        paragraph,
        draft.paragraph(paragraph).status,
        bindings(draft) if known is None else known,
    )


def edit_still_stands(draft: Draft, paragraph_id: str, after: Runs) -> bool:
    """Whether an edit admitted against an older state of the record still holds on ``draft``
    (another server process recorded events meanwhile): its paragraph's text is still open, and
    every amendment its marks carry is still pending (or new)."""
    paragraph = draft.paragraphs.get(paragraph_id)
    if paragraph is None or paragraph.removed or not text_is_open(paragraph.status):
        return False
    for amendment_id in pending_ids(after):
        amendment = draft.amendments.get(amendment_id)
        if amendment is not None and amendment.status is not AmendmentStatus.PENDING:
            return False
    return True


def leftover_settlements(
    draft: Draft, paragraphs: Iterable[str], runs: Callable[[str], Runs]
) -> list[TextEdit]:
    """Marks in the text of amendments the record has already settled (text another server
    process stored while the settlement was decided, or a crash between the two): the edits
    that settle them as the record says. Settling is idempotent, so doing it twice is harmless.
    A draft with no settled amendment has nothing to settle: its text is not read."""
    settled = {a.id: a for a in draft.amendments.values() if not a.pending}
    if not settled:
        return []
    edits: list[TextEdit] = []
    for paragraph in paragraphs:
        current = runs(paragraph)
        delta: Delta = ()
        for amendment_id in sorted(pending_ids(current)):
            amendment = settled.get(amendment_id)
            if amendment is None:
                continue
            accepted = amendment.status is AmendmentStatus.ACCEPTED
            delta = (accept_delta if accepted else reject_delta)(current, amendment_id)
            break  # one amendment at a time: the next one is judged on the settled text
        if delta:
            edits.append(TextEdit(paragraph, delta))
    return edits
