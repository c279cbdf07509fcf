"""The procedure API's commands as a table: route → the core command it builds → its answer.

The OpenAPI schema is generated from the same table (`server.openapi`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from drafting import commands as cmd
from drafting.delegation import Delegation
from drafting.record import Recorded
from server.api_request import Body, deadline, new_id, optional, text

Builder = Callable[[Body, dict[str, str], Delegation], cmd.Command]


def take_up(body: Body, params: dict[str, str]) -> cmd.TakeUpContribution:
    """A new paragraph (the default, after ``after``) or an amendment to ``paragraph``."""
    kind = body.get("kind") or "new_paragraph"
    paragraph = new_id("p") if kind == "new_paragraph" else text(body, "paragraph")
    return cmd.TakeUpContribution(
        params["contribution"],
        new_id("a"),
        paragraph,
        kind,
        optional(body, "after"),
        text(body, "inserted", required=False),
        text(body, "deleted", required=False),
    )


@dataclass(frozen=True)
class Action:
    """A POST/DELETE route that runs one command of the core."""

    method: str
    path: str
    summary: str
    build: Builder
    body: dict[str, str] = field(default_factory=dict)  # field → JSON type, for the schema
    answer: Callable[[tuple[Recorded, ...]], Body] = lambda recorded: {}


def _first(recorded: tuple[Recorded, ...], attribute: str) -> Body:
    for item in recorded:
        if hasattr(item.event, attribute):
            return {"id": getattr(item.event, attribute)}
    return {}


ACTIONS: tuple[Action, ...] = (
    Action(
        "POST",
        "/paragraphs",
        "Add a paragraph (Chair, secretariat)",
        lambda b, p, a: cmd.AddParagraph(
            new_id("p"),
            text(b, "kind"),
            text(b, "text"),
            optional(b, "after"),
            optional(b, "label"),
        ),
        {"kind": "string", "text": "string", "after": "string", "label": "string"},
        lambda r: _first(r, "paragraph"),
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/propose-after",
        "Propose a new paragraph after this one",
        lambda b, p, a: cmd.ProposeParagraph(
            new_id("a"),
            new_id("p"),
            b.get("kind") or "operative",
            text(b, "text"),
            after=p["paragraph"],
        ),
        {"text": "string", "kind": "string"},
        lambda r: _first(r, "amendment"),
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/alternative",
        "Propose an alternative wording (OPnalt)",
        lambda b, p, a: cmd.ProposeParagraph(
            new_id("a"),
            new_id("p"),
            b.get("kind") or "operative",
            text(b, "text"),
            alternative_to=p["paragraph"],
        ),
        {"text": "string", "kind": "string"},
        lambda r: _first(r, "amendment"),
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/propose-deletion",
        "Propose deleting the paragraph",
        lambda b, p, a: cmd.ProposeParagraphDeletion(new_id("a"), p["paragraph"]),
        answer=lambda r: _first(r, "amendment"),
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/move",
        "Move a paragraph after another (null: to the top) (Chair, secretariat)",
        lambda b, p, a: cmd.MoveParagraph(p["paragraph"], optional(b, "after")),
        {"after": "string"},
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/relabel",
        "Relabel a paragraph (Chair, secretariat)",
        lambda b, p, a: cmd.RelabelParagraph(p["paragraph"], text(b, "label")),
        {"label": "string"},
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/reopen",
        "Reopen an agreed paragraph (Chair)",
        lambda b, p, a: cmd.Reopen(p["paragraph"]),
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/ad-referendum",
        "Agree ad referendum, pending named delegations (Chair)",
        lambda b, p, a: cmd.AgreeAdReferendum(p["paragraph"], tuple(b.get("pending") or ())),
        {"pending": "array"},
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/confirm",
        "Confirm an ad referendum agreement",
        lambda b, p, a: cmd.ConfirmAdReferendum(p["paragraph"]),
    ),
    Action(
        "POST",
        "/amendments/{amendment}/support",
        "Support (co-sponsor) an amendment",
        lambda b, p, a: cmd.SupportAmendment(p["amendment"]),
    ),
    Action(
        "POST",
        "/amendments/{amendment}/unsupport",
        "Withdraw support",
        lambda b, p, a: cmd.WithdrawSupport(p["amendment"]),
    ),
    Action(
        "POST",
        "/amendments/{amendment}/withdraw",
        "Withdraw one's own amendment",
        lambda b, p, a: cmd.WithdrawAmendment(p["amendment"]),
    ),
    Action(
        "POST",
        "/amendments/{amendment}/reject",
        "Reject an amendment (Chair)",
        lambda b, p, a: cmd.RejectAmendment(p["amendment"]),
    ),
    Action(
        "POST",
        "/objections",
        "Object to a paragraph or an amendment",
        lambda b, p, a: cmd.Object(
            new_id("o"), text(b, "target"), text(b, "reason", required=False)
        ),
        {"target": "string", "reason": "string"},
        lambda r: _first(r, "objection"),
    ),
    Action(
        "DELETE",
        "/objections/{objection}",
        "Withdraw one's objection",
        lambda b, p, a: cmd.WithdrawObjection(p["objection"]),
    ),
    Action(
        "POST",
        "/reservations",
        "Enter a reservation (explanation of position)",
        lambda b, p, a: cmd.Reserve(new_id("r"), b.get("target") or "draft", text(b, "text")),
        {"target": "string", "text": "string"},
        lambda r: _first(r, "reservation"),
    ),
    Action(
        "POST",
        "/silence",
        "Start a silence procedure until a deadline (Chair)",
        lambda b, p, a: cmd.StartSilence(b.get("target") or "draft", deadline(b)),
        {
            "target": "string",
            "deadline": "string",
            "hours": "number",
            "minutes": "number",
            "seconds": "number",
        },
    ),
    Action(
        "POST",
        "/adopt",
        "Adopt the draft (Chair; every paragraph agreed)",
        lambda b, p, a: cmd.Adopt(),
    ),
    Action(
        "POST",
        "/contributions",
        "Submit a written contribution (anyone, observers too)",
        lambda b, p, a: cmd.SubmitContribution(
            new_id("c"), text(b, "text"), optional(b, "paragraph")
        ),
        {"text": "string", "paragraph": "string"},
        lambda r: _first(r, "contribution"),
    ),
    Action(
        "POST",
        "/contributions/{contribution}/take-up",
        "Turn a contribution into a proposal (Chair, secretariat)",
        lambda b, p, a: take_up(b, p),
        {
            "kind": "string",
            "after": "string",
            "paragraph": "string",
            "inserted": "string",
            "deleted": "string",
        },
        lambda r: _first(r, "amendment"),
    ),
    Action("POST", "/speakers", "Ask for the floor", lambda b, p, a: cmd.AskForFloor()),
    Action(
        "DELETE",
        "/speakers",
        "Withdraw a request for the floor",
        lambda b, p, a: cmd.WithdrawFloorRequest(),
    ),
    Action(
        "POST",
        "/speakers/next",
        "Give the floor (Chair, secretariat)",
        lambda b, p, a: cmd.GiveFloor(
            optional(b, "delegation"), timedelta(seconds=float(b.get("seconds", 120)))
        ),
        {"delegation": "string", "seconds": "number"},
    ),
    Action(
        "POST",
        "/speakers/end",
        "End the current intervention",
        lambda b, p, a: cmd.EndIntervention(),
    ),
)
