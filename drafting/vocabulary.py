"""The named values of the domain (DESIGN §2): roles, constituencies, states and kinds."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CHAIR = "chair"
    SECRETARIAT = "secretariat"
    MEMBER = "member"
    OBSERVER = "observer"


class Constituency(StrEnum):
    MEMBER_STATE = "member_state"
    CIVIL_SOCIETY = "civil_society"
    BUSINESS = "business"
    TECHNICAL_ACADEMIC = "technical_academic"
    INTERGOVERNMENTAL = "intergovernmental"


class ParagraphStatus(StrEnum):
    OPEN = "open"
    UNDER_SILENCE = "under_silence"
    AGREED_AD_REF = "agreed_ad_ref"
    AGREED = "agreed"


class ParagraphKind(StrEnum):
    PREAMBULAR = "preambular"
    OPERATIVE = "operative"
    HEADING = "heading"
    PLAIN = "plain"


class DraftState(StrEnum):
    DRAFTING = "drafting"
    ADOPTED = "adopted"


class AmendmentKind(StrEnum):
    INSERT = "insert"
    DELETE = "delete"
    REPLACE = "replace"
    ALTERNATIVE = "alternative"
    NEW_PARAGRAPH = "new_paragraph"
    DELETE_PARAGRAPH = "delete_paragraph"


class AmendmentStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ObjectionStatus(StrEnum):
    OUTSTANDING = "outstanding"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"  # its target was closed (amendment rejected/withdrawn/accepted)


class ContributionStatus(StrEnum):
    SUBMITTED = "submitted"
    TAKEN_UP = "taken_up"
