"""Sign-in links (``BASE/?token=…``) and the table that hands them out, grouped by role."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from client.seeding import Issued
from drafting.vocabulary import Role

DEFAULT_BASE_URL = "http://127.0.0.1:8000"

GROUPS: tuple[tuple[str, Role], ...] = (
    ("Chair", Role.CHAIR),
    ("Secretariat", Role.SECRETARIAT),
    ("Members", Role.MEMBER),
    ("Observers", Role.OBSERVER),
)

_WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


def base_url(host: str, port: int) -> str:
    """The URL a browser on this machine uses; a wildcard bind address becomes loopback."""
    shown = "127.0.0.1" if host in _WILDCARD_HOSTS else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"  # an IPv6 literal
    return f"http://{shown}:{port}"


def sign_in_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/?token={quote(token, safe='')}"


def link_table(issued: Sequence[Issued], base: str) -> str:
    """Every delegation's sign-in link, one line each, under Chair / Secretariat / Members /
    Observers headings (empty groups left out)."""
    width = max((len(i.delegation.code) for i in issued), default=0)
    lines: list[str] = []
    for heading, role in GROUPS:
        group = [i for i in issued if i.delegation.role == role]
        if not group:
            continue
        lines.append(f"{heading}:")
        for item in group:
            code = item.delegation.code.ljust(width)
            lines.append(f"  {code}  {sign_in_url(base, item.token)}  {item.delegation.name}")
        lines.append("")
    return "\n".join(lines).rstrip("\n")
