"""Versions as a chain: ``versions.base_seq`` — NULL for a full state, else the seq of the full
version that row's state is a change since (`server.storage.version_chain`). Existing rows are
full states.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("versions") as versions:
        versions.add_column(sa.Column("base_seq", sa.Integer(), nullable=True))


def downgrade() -> None:
    # A change cannot stand alone: make every version whole again before the column goes.
    from pycrdt import merge_updates

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT v.draft_id, v.seq, b.state, v.state FROM versions v JOIN versions b"
            " ON b.draft_id = v.draft_id AND b.seq = v.base_seq WHERE v.base_seq IS NOT NULL"
        )
    ).fetchall()
    for draft_id, seq, base, change in rows:
        bind.execute(
            sa.text("UPDATE versions SET state = :state WHERE draft_id = :draft AND seq = :seq"),
            {"state": merge_updates(bytes(base), bytes(change)), "draft": draft_id, "seq": seq},
        )
    with op.batch_alter_table("versions") as versions:
        versions.drop_column("base_seq")
