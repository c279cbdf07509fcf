"""From an imported document to the commands that create it as a draft, each by its delegation.

The presiding delegation that imports creates the draft and adds its paragraphs (base text).
Every pending amendment is then proposed by its own sponsor, exactly as if that delegation had
typed it: the record says who proposed what; supporters named in a bracket's tag support it.

Who a sponsor is: the document names delegations by code (``BRA``, bracket tags) or by name
(``Brazil``, a Word author), matched case-insensitively. An untagged bracket belongs to the
delegation given on import. A name that matches no delegation is refused, listing every unknown
name, unless the caller asks to attribute unknown names to that delegation too
(``unknown_to_default``): attribution is part of the record, so it is never guessed silently.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from drafting import commands as cmd
from drafting.delegation import Delegation
from drafting.errors import DraftingError, ErrorCode
from drafting.importing import AMENDMENT_PREFIX, ImportedDraft, ImportedParagraph
from drafting.labels import Label, parse_label
from drafting.runs import Runs, del_ids, ins_id
from drafting.suggestion import kind_of
from drafting.vocabulary import AmendmentKind, ParagraphKind, Role

PROPOSING = frozenset({Role.CHAIR, Role.SECRETARIAT, Role.MEMBER})


@dataclass(frozen=True)
class Step:
    """A command and the code of the delegation that issues it."""

    actor: str
    command: cmd.Command


@dataclass(frozen=True)
class ImportPlan:
    steps: tuple[Step, ...]
    marks: Mapping[str, Runs]  # paragraph id → its text with its pending amendments' marks
    amendments: int  # how many amendments the steps propose


def _sponsors(imported: ImportedDraft) -> Iterator[str]:
    for paragraph in imported.paragraphs:
        for pending in paragraph.pending:
            yield from pending.sponsors or ("",)
        if paragraph.proposed_by is not None:
            yield from paragraph.proposed_by.sponsors or ("",)
        if paragraph.deletion_by is not None:
            yield paragraph.deletion_by


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def attribute(
    imported: ImportedDraft,
    roster: Sequence[Delegation],
    default: Delegation,
    *,
    unknown_to_default: bool = False,
) -> dict[str, Delegation]:
    """Every sponsor the document names → its delegation (module docstring)."""
    known = {_key(d.code): d for d in roster} | {_key(d.name): d for d in roster}
    found: dict[str, Delegation] = {"": default}
    unknown: list[str] = []
    for name in dict.fromkeys(_sponsors(imported)):
        delegation = default if not name.strip() else known.get(_key(name))
        if delegation is None and unknown_to_default:
            delegation = default
        if delegation is None:
            unknown.append(name)
        else:
            found[name] = delegation
    if unknown:
        raise DraftingError(
            ErrorCode.INVALID,
            "the document names authors that are not delegations here: "
            + ", ".join(repr(n) for n in unknown)
            + " (register them, rename the authors to a delegation's name or code, or import "
            f"with unknown authors attributed to {default.code})",
            unknown=unknown,
        )
    return found


def import_plan(
    imported: ImportedDraft,
    draft_id: str,
    symbol: str,
    creator: Delegation,
    who: Mapping[str, Delegation],
) -> ImportPlan:
    """The steps that create ``imported`` as draft ``draft_id``; ``who`` from `attribute`."""
    steps = [Step(creator.code, cmd.CreateDraft(draft_id, imported.title, symbol))]
    marks: dict[str, Runs] = {}
    labels: dict[str, str] = {}  # label → paragraph id
    alternatives = {
        _original(p.label): p.proposed_by.sponsors[:1]
        for p in imported.paragraphs
        if p.proposed_by is not None and p.label and _original(p.label)
    }
    previous: str | None = None
    count = 0
    for index, paragraph in enumerate(imported.paragraphs, start=1):
        pid = f"par-{index:02d}"
        kind = paragraph.kind.value
        if paragraph.proposed_by is not None:
            proposal = paragraph.proposed_by
            original = labels.get(_original(paragraph.label or "") or "")
            proposer = _proposer(proposal.sponsors, who, paragraph)
            steps.append(
                Step(
                    proposer.code,
                    cmd.ProposeParagraph(
                        proposal.id,
                        pid,
                        kind,
                        paragraph.text,
                        after=None if original else previous,
                        alternative_to=original,
                    ),
                )
            )
            steps += _support(proposal.id, proposal.sponsors[1:], proposer, who)
            count += 1
        else:
            label = None if paragraph.kind == ParagraphKind.HEADING else paragraph.label
            steps.append(
                Step(creator.code, cmd.AddParagraph(pid, kind, paragraph.text, label=label))
            )
            for pending in paragraph.pending:
                proposer = _proposer(pending.sponsors, who, paragraph)
                steps.append(Step(proposer.code, _proposal(pending.id, pid, paragraph.runs)))
                steps += _support(pending.id, pending.sponsors[1:], proposer, who)
                count += 1
            if paragraph.pending:
                marks[pid] = paragraph.runs
            by = paragraph.deletion_by
            if by is not None and alternatives.get(paragraph.label or "") != (by,):
                proposer = _proposer((by,), who, paragraph)
                amendment = f"{AMENDMENT_PREFIX}deletion-{pid}"
                steps.append(Step(proposer.code, cmd.ProposeParagraphDeletion(amendment, pid)))
                count += 1
        if paragraph.label:
            labels[paragraph.label] = pid
        previous = pid
    return ImportPlan(tuple(steps), marks, count)


def _original(label: str | None) -> str | None:
    """``OP6`` for the alternative ``OP6alt`` (None when ``label`` is no alternative)."""
    parsed = parse_label(label or "")
    if parsed is None or not parsed.alt:
        return None
    return str(Label(parsed.prefix, parsed.number, parsed.suffix))


def _who(name: str, who: Mapping[str, Delegation]) -> Delegation:
    return who[name] if name in who else who[""]


def _proposer(
    sponsors: tuple[str, ...], who: Mapping[str, Delegation], paragraph: ImportedParagraph
) -> Delegation:
    delegation = _who(sponsors[0] if sponsors else "", who)
    if delegation.role not in PROPOSING:
        where = paragraph.label or paragraph.text[:40]
        raise DraftingError(
            ErrorCode.INVALID,
            f"{where}: {delegation.code} is an {delegation.role.value} delegation and cannot "
            "propose amendments",
            delegation=delegation.code,
        )
    return delegation


def _support(
    amendment: str, names: Sequence[str], proposer: Delegation, who: Mapping[str, Delegation]
) -> list[Step]:
    steps: list[Step] = []
    for delegation in dict.fromkeys(_who(n, who) for n in names):
        if delegation == proposer:
            continue
        if delegation.role != Role.MEMBER:
            raise DraftingError(
                ErrorCode.INVALID,
                f"{delegation.code} is named as a supporter of an amendment but only members "
                "support amendments",
                delegation=delegation.code,
            )
        steps.append(Step(delegation.code, cmd.SupportAmendment(amendment)))
    return steps


def _proposal(amendment: str, paragraph: str, runs: Runs) -> cmd.ProposeAmendment:
    kind = kind_of(runs, amendment) or AmendmentKind.INSERT
    inserted = "".join(r.text for r in runs if ins_id(r.attrs) == amendment)
    deleted = "".join(r.text for r in runs if amendment in del_ids(r.attrs))
    return cmd.ProposeAmendment(amendment, paragraph, kind.value, inserted, deleted)
