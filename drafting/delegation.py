"""A delegation: who acts, and with which role (DESIGN §2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from drafting.errors import DraftingError, ErrorCode
from drafting.vocabulary import Constituency, Role

_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,15}$")


@dataclass(frozen=True)
class Delegation:
    code: str
    name: str
    constituency: Constituency
    role: Role

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise DraftingError(
                ErrorCode.INVALID,
                f"delegation code {self.code!r} must be 2-16 capitals, digits, '-' or '_'",
            )
        if not self.name.strip():
            raise DraftingError(ErrorCode.INVALID, "a delegation needs a name")

    @property
    def presides(self) -> bool:
        """Chair or secretariat: runs the draft and edits base text."""
        return self.role in (Role.CHAIR, Role.SECRETARIAT)

    @property
    def negotiates(self) -> bool:
        """May propose, support, object and reserve (DESIGN §3)."""
        return self.role == Role.MEMBER
