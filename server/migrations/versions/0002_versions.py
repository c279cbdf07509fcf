"""Versions (the document as it stood at each recorded event), drafts.last_update_id, and the
installation id (what names the bus channels of the processes sharing this database).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "installation",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_installation"),
    )
    with op.batch_alter_table("drafts") as drafts:
        drafts.add_column(
            sa.Column("last_update_id", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE drafts SET last_update_id = COALESCE("
        "(SELECT MAX(id) FROM updates WHERE updates.draft_id = drafts.id), "
        "(SELECT MAX(up_to_update_id) FROM snapshots WHERE snapshots.draft_id = drafts.id), 0)"
    )
    op.create_table(
        "versions",
        sa.Column("draft_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], name="fk_versions_draft_id_drafts"),
        sa.PrimaryKeyConstraint("draft_id", "seq", name="pk_versions"),
    )


def downgrade() -> None:
    op.drop_table("versions")
    op.drop_table("installation")
    with op.batch_alter_table("drafts") as drafts:
        drafts.drop_column("last_update_id")
