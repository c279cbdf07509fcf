"""Who is acting, when, and who else is in the room: everything a decision needs from outside."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from drafting.delegation import Delegation


@dataclass(frozen=True)
class Context:
    actor: Delegation
    now: datetime  # injected: the core never reads the clock
    roster: Mapping[str, Delegation] = field(default_factory=dict)
