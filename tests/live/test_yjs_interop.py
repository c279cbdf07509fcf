"""An unmodified Node ``yjs`` + ``y-websocket`` client against a real server (DESIGN §8, §11).

The Node side (`tests/live/node/yclient.mjs`) is a stock `WebsocketProvider`; its indices are
UTF-16 code units, the Python client's are code points, pycrdt's on the server UTF-8 bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from pycrdt import TextEvent

from client.live import LiveClient
from drafting import demo
from drafting.runs import Run
from tests.live.conftest import Demo
from tests.live.node_client import NodeClient, require_node, utf16

P = "par-07"  # "Recommends that enhanced cooperation be pursued through existing institutions…"
ORIGINAL = demo.PARAGRAPHS[6][1]

StartNode = Callable[[str], Awaitable[NodeClient]]
Connect = Callable[[str], Awaitable[LiveClient]]


@pytest.fixture(autouse=True)
def _node_installed() -> None:
    """Skip (with the reason) before any server starts when Node or the npm packages are missing."""
    require_node()


@pytest.fixture
async def node(demo_server: Demo) -> AsyncIterator[StartNode]:
    """``await node("BRA")``: a synced Node Yjs client; all are closed at the end of the test."""
    started: list[NodeClient] = []

    async def start(code: str) -> NodeClient:
        client = await NodeClient.start(
            demo_server.server.base_url, demo_server.draft_id, demo_server.tokens[code], code
        )
        started.append(client)
        return client

    yield start
    await asyncio.gather(*(client.close() for client in started))
    # y-websocket logs "Unable to compute message" for a message type it has no handler for
    complaints = [(c.name, line) for c in started for line in c.log if line]
    assert complaints == [], "the Node clients complained"


def amendment_runs(client: LiveClient, paragraph: str, amendment: str) -> list[Run]:
    return [run for run in client.runs(paragraph) if run.attrs.get("ins") == amendment]


def rejections(notices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [notice for notice in notices if notice.get("type") == "rejected"]


# -- reading -----------------------------------------------------------------------------------


async def test_unmodified_yjs_client_reads_every_paragraph_with_its_label_and_status(
    node: StartNode, connect: Connect
) -> None:
    observer = await node("WIKI")
    chair = await connect("CHAIR")
    status, view = await chair.api("GET", "")
    assert status == 200

    paragraphs = await observer.paragraphs()

    assert [p["id"] for p in paragraphs] == [f"par-{i:02d}" for i in range(1, 21)]
    assert [(p["kind"], p["text"]) for p in paragraphs] == list(demo.PARAGRAPHS)
    assert [(p["label"], p["status"]) for p in paragraphs] == [
        (p["label"], p["status"]) for p in view["paragraphs"]
    ]
    assert [p["label"] for p in paragraphs[:2]] == ["PP1", "PP2"]
    assert {p["status"] for p in paragraphs} == {"open"}
    assert paragraphs == [
        {**chair.paragraph(p["id"]), "text": chair.text(p["id"])} for p in paragraphs
    ]


# -- suggestion mode ---------------------------------------------------------------------------


async def test_member_insertion_from_yjs_reaches_python_clients_as_its_amendment(
    node: StartNode, connect: Connect
) -> None:
    member = await node("BRA")
    other = await connect("USA")
    at = ORIGINAL.index("enhanced")

    local = await member.insert(P, utf16(ORIGINAL[:at]), "strengthened and ", {"ins": "BRA-n1"})

    expected = ORIGINAL[:at] + "strengthened and " + ORIGINAL[at:]
    assert local == expected
    await other.wait_for(lambda: other.amendments().get("BRA-n1", {}).get("proposer") == "BRA")
    assert other.text(P) == expected
    assert amendment_runs(other, P, "BRA-n1") == [Run("strengthened and ", {"ins": "BRA-n1"})]
    amendment = other.amendments()["BRA-n1"]
    assert (amendment["paragraph"], amendment["status"]) == (P, "pending")
    # Our type-100 notices reach the handler; the room sends the update before its event.
    event = await member.wait_notice(kind="event")
    assert (event["event"], event["actor"]) == ("amendment_proposed", "BRA")
    assert (await member.amendments())["BRA-n1"]["proposer"] == "BRA"
    assert rejections(await member.notices()) == []


async def test_member_marking_base_text_for_deletion_from_yjs_keeps_the_words_struck(
    node: StartNode, connect: Connect
) -> None:
    member = await node("BRA")
    other = await connect("USA")
    words = "wherever possible, "
    at = utf16(ORIGINAL[: ORIGINAL.index(words)])

    await member.format(P, at, utf16(words), {"del:BRA-d1": True})

    await other.wait_for(lambda: other.amendments().get("BRA-d1", {}).get("proposer") == "BRA")
    assert other.text(P) == ORIGINAL
    assert [run for run in other.runs(P) if run.attrs] == [Run(words, {"del:BRA-d1": True})]
    assert other.amendments()["BRA-d1"]["kind"] == "delete"
    assert rejections(await member.notices()) == []


async def test_member_deleting_base_text_is_reverted_and_observers_never_see_it_vanish(
    node: StartNode, connect: Connect
) -> None:
    member = await node("BRA")
    observer = await connect("WIKI")
    doomed = "enhanced cooperation "
    at = ORIGINAL.index(doomed)
    observed = observer.live.text(P)
    assert observed is not None
    states: list[str] = []  # the paragraph after every transaction that touched it

    def record(_: TextEvent) -> None:
        states.append(str(observed))

    subscription = observed.observe(record)
    try:
        local = await member.delete(P, utf16(ORIGINAL[:at]), utf16(doomed))
        assert doomed not in local  # the Yjs client really deleted it locally

        notice = await member.wait_notice(code="base_text_deleted")
        assert (notice["type"], notice["paragraph"]) == ("rejected", P)
        assert await member.wait_text(P, equals=ORIGINAL) == ORIGINAL
        assert await member.delta(P) == [{"insert": ORIGINAL}]

        # A later, valid edit from the same client reaches the observer after the revert did.
        await member.insert(P, 0, "Also ", {"ins": "BRA-after"})
        await observer.wait_for(lambda: observer.text(P) == "Also " + ORIGINAL)
    finally:
        observed.unobserve(subscription)

    assert states, "the observer's paragraph never changed"
    vanished = [state for state in states if doomed not in state]
    assert vanished == [], f"the observer saw the base text vanish: {vanished}"
    assert rejections(observer.notices) == []


# -- positions in five scripts -----------------------------------------------------------------

SAMPLES = {
    "french": "coopération renforcée",
    "arabic": "التعاون المعزز",
    "chinese": "加强合作",
    "russian": "расширенное сотрудничество",
    "emoji": "🌍🤝",
}
# Base text the Chair puts first: 2-, 3- and 4-byte UTF-8 characters, one of them a surrogate
# pair in UTF-16, so that the three units of the three peers all differ before the target.
PREFIX = "Ensemble — «{sample}» 🇺🇳 "


@pytest.mark.parametrize("sample", SAMPLES.values(), ids=SAMPLES.keys())
async def test_non_ascii_text_lands_at_the_intended_character_from_either_side(
    sample: str, node: StartNode, connect: Connect
) -> None:
    chair = await connect("CHAIR")
    python_member = await connect("USA")
    node_member = await node("BRA")
    prefix = PREFIX.format(sample=sample)
    chair.insert_plain(P, 0, prefix)
    base = prefix + ORIGINAL
    await node_member.wait_text(P, equals=base)

    # Yjs → Python: at a UTF-16 index after the non-ASCII prefix, inside the base text.
    at = len(prefix) + len("Recommends that ")
    await node_member.insert(P, utf16(base[:at]), sample + " ", {"ins": "BRA-u1"})
    after_node = base[:at] + sample + " " + base[at:]
    await python_member.wait_for(lambda: python_member.text(P) == after_node)
    assert amendment_runs(python_member, P, "BRA-u1") == [Run(sample + " ", {"ins": "BRA-u1"})]

    # Python → Yjs: at code point indices, right after the node insertion and after the flag.
    second = at + len(sample + " ")
    python_member.insert(P, second, f"[{sample}]", "USA-u1")
    after_python = after_node[:second] + f"[{sample}]" + after_node[second:]
    assert await node_member.wait_text(P, equals=after_python) == after_python
    flag_end = prefix.index("🇺🇳") + len("🇺🇳")
    python_member.insert(P, flag_end, sample, "USA-u2")
    final = after_python[:flag_end] + sample + after_python[flag_end:]
    assert await node_member.wait_text(P, equals=final) == final

    delta = await node_member.delta(P)
    assert [op for op in delta if op.get("attributes")] == [
        {"insert": sample, "attributes": {"ins": "USA-u2"}},
        {"insert": sample + " ", "attributes": {"ins": "BRA-u1"}},
        {"insert": f"[{sample}]", "attributes": {"ins": "USA-u1"}},
    ]
    await chair.wait_for(lambda: chair.text(P) == final)
    assert python_member.text(P) == final
    proposers = {"BRA-u1": "BRA", "USA-u1": "USA", "USA-u2": "USA"}
    await python_member.wait_for(
        lambda: (
            {a: python_member.amendments().get(a, {}).get("proposer") for a in proposers}
            == proposers
        )
    )
    assert rejections(await node_member.notices()) == []


# -- concurrency -------------------------------------------------------------------------------


async def test_two_yjs_clients_typing_at_once_in_one_paragraph_converge_everywhere(
    node: StartNode, connect: Connect
) -> None:
    brazil, india = await asyncio.gather(node("BRA"), node("IND"))
    watcher = await connect("USA")
    at = utf16(ORIGINAL[: ORIGINAL.index("be pursued")])  # both type before the same word

    # Online, both at the same index at the same moment.
    await asyncio.gather(
        brazil.insert(P, at, "urgently ", {"ins": "BRA-c1"}),
        india.insert(P, at, "inclusively ", {"ins": "IND-c1"}),
    )
    # Offline, so that neither has seen the other's edit: a truly concurrent pair.
    await asyncio.gather(brazil.call("disconnect"), india.call("disconnect"))
    await asyncio.gather(
        brazil.insert(P, 0, "Firmly, ", {"ins": "BRA-c2"}),
        india.insert(P, 0, "Jointly, ", {"ins": "IND-c2"}),
    )
    await asyncio.gather(brazil.call("connect"), india.call("connect"))

    pieces = ("urgently ", "inclusively ", "Firmly, ", "Jointly, ")
    await watcher.wait_for(lambda: all(p in watcher.text(P) for p in pieces))
    converged = watcher.text(P)
    assert await brazil.wait_text(P, equals=converged) == converged
    assert await india.wait_text(P, equals=converged) == converged

    at_end = ORIGINAL.index("be pursued")
    assert converged in {
        first + ORIGINAL[:at_end] + middle + ORIGINAL[at_end:]
        for first in ("Firmly, Jointly, ", "Jointly, Firmly, ")
        for middle in ("urgently inclusively ", "inclusively urgently ")
    }
    amendments = watcher.amendments()
    assert {a: amendments[a]["proposer"] for a in ("BRA-c1", "BRA-c2", "IND-c1", "IND-c2")} == {
        "BRA-c1": "BRA",
        "BRA-c2": "BRA",
        "IND-c1": "IND",
        "IND-c2": "IND",
    }
    for client in (brazil, india):
        assert rejections(await client.notices()) == []
