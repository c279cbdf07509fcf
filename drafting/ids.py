"""The syntax of the ids callers choose for new things (amendments, objections, paragraphs…)."""

from __future__ import annotations

MAX_ID_LENGTH = 64


def valid_id(ident: str) -> bool:
    """1-64 characters with no white space, ':' or ',' (they separate targets and tags)."""
    return 0 < len(ident) <= MAX_ID_LENGTH and not any(c.isspace() or c in ":," for c in ident)
