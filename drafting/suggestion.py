"""Suggestion mode: which edits of a paragraph's text a delegation may make (DESIGN §5).

`check_edit` judges one transaction's delta against the text before it and returns either an
`EditVerdict` (the edit stands; it names the amendment ids it introduces and the ids it empties) or
a `Violation` with a stable ``code`` (the shell reverts the edit and tells the client why).

Rules, per character the edit touches (writing text means inserting it, or re-attributing
existing text to it; removing means deleting it, or re-attributing it away):

- Nobody writes a paragraph that is not ``open``; observers write nothing.
- Text carrying ``ins`` = an amendment id may be written or removed only by that id's proposer. A
  new id (unknown to the draft and absent from the text) binds to its author on first use; an id
  of another paragraph or of a closed amendment may not be used again.
- A ``del:<id>`` mark may be added or removed only by that id's proposer, with value ``true``, and
  only on base text: a pending insertion is objected to, not marked (``mark_on_insertion``).
  Inserted text never carries ``del:`` marks.
- Base text (no ``ins``) may be written or removed only by the Chair and the secretariat; members
  propose instead. Removing base text removes its ``del:`` marks, so nobody — presiding officers
  included — may delete words another delegation has proposed to delete.
- Presiding officers settle proposals through procedure, not by typing: like members they may not
  delete, re-attribute or re-mark another delegation's insertion, nor type inside it; they may
  propose bracketed amendments of their own.
- No attribute but ``ins`` and ``del:<id>`` may be set or removed by anyone.
- Nobody inserts strictly inside another delegation's insertion (both neighbours carry its id).

Identity is by code: ``Editor.delegation`` is compared with each amendment's proposer. An id found
in the text but unknown to the draft belongs to nobody, so nobody may touch it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from drafting.ids import valid_id
from drafting.runs import (
    DEL_PREFIX,
    INS,
    Attrs,
    Delta,
    DeltaError,
    Run,
    Runs,
    apply_delta,
    del_ids,
    ins_id,
    marked_ids,
)
from drafting.settlement import pending_ids
from drafting.text_changes import Change, Inserted, Reformatted, Removed, changes
from drafting.vocabulary import AmendmentKind, ParagraphStatus, Role


class ViolationCode(StrEnum):
    MALFORMED_DELTA = "malformed_delta"
    OBSERVER_READ_ONLY = "observer_read_only"
    PARAGRAPH_LOCKED = "paragraph_locked"
    BASE_TEXT_INSERTED = "base_text_inserted"
    BASE_TEXT_DELETED = "base_text_deleted"
    FOREIGN_AMENDMENT = "foreign_amendment"
    FORGED_AMENDMENT = "forged_amendment"
    FOREIGN_MARK = "foreign_mark"
    MARK_ON_INSERTION = "mark_on_insertion"
    FORMATTING_FORBIDDEN = "formatting_forbidden"
    CLOSED_AMENDMENT = "closed_amendment"
    OTHER_PARAGRAPH = "other_paragraph"
    INVALID_AMENDMENT_ID = "invalid_amendment_id"


@dataclass(frozen=True)
class Violation:
    """Why an edit is refused: a stable ``code``, a ``reason`` for people, and where."""

    code: ViolationCode
    reason: str
    at: int | None = None  # code point offset in the text before the edit
    amendment: str | None = None

    def as_json(self) -> dict[str, str | int]:
        out: dict[str, str | int] = {"code": self.code.value, "reason": self.reason}
        if self.at is not None:
            out["at"] = self.at
        if self.amendment is not None:
            out["amendment"] = self.amendment
        return out


@dataclass(frozen=True)
class EditVerdict:
    """An accepted edit: ids it binds to its author, and ids whose text it removed entirely;
    ``after``, the text it leaves (not compared: it follows from the text and the delta)."""

    new_ids: frozenset[str] = frozenset()
    emptied_ids: frozenset[str] = frozenset()
    after: Runs = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Editor:
    """Who makes the edit."""

    delegation: str
    role: Role

    @property
    def presides(self) -> bool:
        return self.role in (Role.CHAIR, Role.SECRETARIAT)


@dataclass(frozen=True)
class Binding:
    """What the draft knows of an amendment id: who proposed it, where, and whether it is open."""

    proposer: str
    paragraph: str
    pending: bool = True


@dataclass(frozen=True)
class Site:
    """The paragraph edited, and every amendment id of the draft known so far (any status)."""

    paragraph: str
    status: ParagraphStatus
    amendments: Mapping[str, Binding] = field(default_factory=dict)


def kind_of(runs: Sequence[Run], amendment_id: str) -> AmendmentKind | None:
    """What the marks of ``amendment_id`` in ``runs`` propose; None when it has none."""
    return kinds(runs).get(amendment_id)


def kinds(runs: Iterable[Run]) -> dict[str, AmendmentKind]:
    """What the marks of every amendment in ``runs`` propose (`kind_of` each), in one pass."""
    inserts, deletes = marked_ids(runs)
    found = dict.fromkeys(inserts, AmendmentKind.INSERT)
    for ident in deletes:
        found[ident] = AmendmentKind.REPLACE if ident in inserts else AmendmentKind.DELETE
    return found


def text_is_open(status: ParagraphStatus) -> bool:
    """Whether anyone may edit a paragraph's text in this status (agreed, ad referendum and
    under silence lock it)."""
    return status is ParagraphStatus.OPEN


def check_edit(before: Runs, delta: Delta, editor: Editor, site: Site) -> EditVerdict | Violation:
    """Judge ``delta`` (code point counts) made by ``editor`` to ``before`` (module docstring)."""
    try:
        found = changes(before, delta)
        after = apply_delta(before, delta)
    except DeltaError as error:
        return Violation(ViolationCode.MALFORMED_DELTA, str(error))
    if not found:
        return EditVerdict(after=after)
    if editor.role not in (Role.MEMBER, Role.CHAIR, Role.SECRETARIAT):
        return Violation(ViolationCode.OBSERVER_READ_ONLY, "observers may read but not write")
    if not text_is_open(site.status):
        reason = f"the paragraph is {site.status.value}: its text is locked"
        return Violation(ViolationCode.PARAGRAPH_LOCKED, reason)
    before_ids = pending_ids(before)
    judge = _Judge(editor, site, before_ids)
    for change in found:
        violation = judge.change(change)
        if violation is not None:
            return violation
    after_ids = pending_ids(after)
    return EditVerdict(
        new_ids=after_ids - before_ids - site.amendments.keys(),
        emptied_ids=before_ids - after_ids,
        after=after,
    )


@dataclass(frozen=True)
class _Judge:
    editor: Editor
    site: Site
    before_ids: frozenset[str]

    def change(self, change: Change) -> Violation | None:
        if isinstance(change, Inserted):
            return self.inserted(change)
        if isinstance(change, Removed):
            return self.removed(change.attrs, change.at)
        return self.reformatted(change)

    def owns(self, ident: str) -> bool:
        binding = self.site.amendments.get(ident)
        return binding is not None and binding.proposer == self.editor.delegation

    def inserted(self, change: Inserted) -> Violation | None:
        at, attrs = change.at, change.attrs
        for key, value in attrs.items():
            if problem := _attribute_problem(key, value, at):
                return problem
        problem = self.write_ins(ins_id(attrs), at)
        for ident in sorted(del_ids(attrs)):
            problem = problem or self.add_mark(ident, at)
        if problem is None and del_ids(attrs):
            reason = "inserted text cannot also be marked for deletion"
            problem = Violation(ViolationCode.MARK_ON_INSERTION, reason, at)
        return problem or self.inside_foreign(change)

    def inside_foreign(self, change: Inserted) -> Violation | None:
        left = ins_id(change.left) if change.left is not None else None
        right = ins_id(change.right) if change.right is not None else None
        if left is None or left != right or self.owns(left):
            return None
        reason = f"insert before or after amendment {left}, not inside another delegation's text"
        return Violation(ViolationCode.FOREIGN_AMENDMENT, reason, change.at, left)

    def removed(self, attrs: Attrs, at: int) -> Violation | None:
        problem = self.remove_ins(ins_id(attrs), at)
        for ident in sorted(del_ids(attrs)):
            problem = problem or self.remove_mark(ident, at)
        return problem

    def reformatted(self, change: Reformatted) -> Violation | None:
        old, new, at = change.old, change.new, change.at
        for key in sorted(old.keys() | new.keys()):
            if old.get(key) == new.get(key):
                continue
            if new.get(key) is not None and (problem := _attribute_problem(key, new[key], at)):
                return problem
            if key != INS and not key.startswith(DEL_PREFIX):
                return _forbidden_attribute(key, at)
        problem = None
        if ins_id(old) != ins_id(new):
            problem = self.remove_ins(ins_id(old), at) or self.write_ins(ins_id(new), at)
        added = del_ids(new) - del_ids(old)
        for ident in sorted(added):
            problem = problem or self.add_mark(ident, at)
        for ident in sorted(del_ids(old) - del_ids(new)):
            problem = problem or self.remove_mark(ident, at)
        marks_insertion = ins_id(new) is not None and del_ids(new)
        if problem is None and marks_insertion and (added or ins_id(old) != ins_id(new)):
            reason = "a pending insertion is not marked for deletion: object to it instead"
            problem = Violation(ViolationCode.MARK_ON_INSERTION, reason, at, ins_id(new))
        return problem

    def write_ins(self, ident: str | None, at: int) -> Violation | None:
        if ident is None:
            if self.editor.presides:
                return None
            reason = "members insert text only as a bracketed amendment carrying their own id"
            return Violation(ViolationCode.BASE_TEXT_INSERTED, reason, at)
        return self.use(ident, at, ViolationCode.FORGED_AMENDMENT)

    def remove_ins(self, ident: str | None, at: int) -> Violation | None:
        if ident is None:
            if self.editor.presides:
                return None
            reason = "members propose deletions with their own del: mark; base text stays"
            return Violation(ViolationCode.BASE_TEXT_DELETED, reason, at)
        if self.owns(ident):
            return None
        reason = f"amendment {ident} is another delegation's proposal"
        return Violation(ViolationCode.FOREIGN_AMENDMENT, reason, at, ident)

    def add_mark(self, ident: str, at: int) -> Violation | None:
        return self.use(ident, at, ViolationCode.FOREIGN_MARK)

    def remove_mark(self, ident: str, at: int) -> Violation | None:
        if self.owns(ident):
            return None
        reason = f"the deletion mark of amendment {ident} is another delegation's"
        return Violation(ViolationCode.FOREIGN_MARK, reason, at, ident)

    def use(self, ident: str, at: int, foreign: ViolationCode) -> Violation | None:
        """May the editor write with amendment id ``ident`` (new, or its own and pending)?"""
        binding = self.site.amendments.get(ident)
        if binding is None and ident not in self.before_ids:
            if valid_id(ident):
                return None
            reason = f"{ident!r} is not a valid amendment id"
            return Violation(ViolationCode.INVALID_AMENDMENT_ID, reason, at, ident)
        if binding is None or binding.proposer != self.editor.delegation:
            reason = f"amendment {ident} belongs to another delegation"
            return Violation(foreign, reason, at, ident)
        if binding.paragraph != self.site.paragraph:
            reason = f"amendment {ident} belongs to paragraph {binding.paragraph}"
            return Violation(ViolationCode.OTHER_PARAGRAPH, reason, at, ident)
        if not binding.pending:
            reason = f"amendment {ident} is closed; propose a new amendment"
            return Violation(ViolationCode.CLOSED_AMENDMENT, reason, at, ident)
        return None


def _attribute_problem(key: str, value: object, at: int) -> Violation | None:
    """A set attribute that suggestion mode does not know, or a malformed value of one it does."""
    if key == INS:
        if isinstance(value, str) and value:
            return None
        return Violation(ViolationCode.FORMATTING_FORBIDDEN, "ins must be an amendment id", at)
    if key.startswith(DEL_PREFIX) and len(key) > len(DEL_PREFIX):
        if value is True:
            return None
        reason = f"the value of {key} must be true"
        return Violation(ViolationCode.FORMATTING_FORBIDDEN, reason, at)
    return _forbidden_attribute(key, at)


def _forbidden_attribute(key: str, at: int) -> Violation:
    reason = f"only ins and del:<id> attributes are allowed in paragraph text, not {key!r}"
    return Violation(ViolationCode.FORMATTING_FORBIDDEN, reason, at)
