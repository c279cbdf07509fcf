"""The first schema: drafts, delegations, credentials, events, updates, snapshots, quarantine.

Revision ID: 0001
Revises:
Create Date: 2025-11-29

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def stamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("symbol", sa.String(100), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("created", stamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
    )
    op.create_table(
        "delegations",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("constituency", sa.String(32), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("created", stamp(), nullable=False),
        sa.Column("revoked_at", stamp(), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_delegations"),
    )
    op.create_table(
        "credentials",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("delegation_code", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created", stamp(), nullable=False),
        sa.Column("expires_at", stamp(), nullable=True),
        sa.Column("revoked_at", stamp(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delegation_code"],
            ["delegations.code"],
            name="fk_credentials_delegation_code_delegations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_credentials"),
        sa.UniqueConstraint("token_hash", name="uq_credentials_token_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_credentials_delegation_code", "credentials", ["delegation_code"])
    op.create_table(
        "events",
        sa.Column("draft_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", stamp(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.CheckConstraint("seq > 0", name="ck_events_seq_positive"),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], name="fk_events_draft_id_drafts"),
        sa.PrimaryKeyConstraint("draft_id", "seq", name="pk_events"),
    )
    op.create_table(
        "updates",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("draft_id", sa.String(64), nullable=False),
        sa.Column("at", stamp(), nullable=False),
        sa.Column("origin", sa.String(128), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], name="fk_updates_draft_id_drafts"),
        sa.PrimaryKeyConstraint("id", name="pk_updates"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_updates_draft_id_id", "updates", ["draft_id", "id"])
    op.create_table(
        "snapshots",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("draft_id", sa.String(64), nullable=False),
        sa.Column("up_to_update_id", sa.BigInteger(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("at", stamp(), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], name="fk_snapshots_draft_id_drafts"),
        sa.PrimaryKeyConstraint("id", name="pk_snapshots"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_snapshots_draft_id_up_to_update_id", "snapshots", ["draft_id", "up_to_update_id"]
    )
    op.create_table(
        "quarantine",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("draft_id", sa.String(64), nullable=False),
        sa.Column("at", stamp(), nullable=False),
        sa.Column("delegation", sa.String(16), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"], name="fk_quarantine_draft_id_drafts"),
        sa.PrimaryKeyConstraint("id", name="pk_quarantine"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_quarantine_draft_id_id", "quarantine", ["draft_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_quarantine_draft_id_id", table_name="quarantine")
    op.drop_table("quarantine")
    op.drop_index("ix_snapshots_draft_id_up_to_update_id", table_name="snapshots")
    op.drop_table("snapshots")
    op.drop_index("ix_updates_draft_id_id", table_name="updates")
    op.drop_table("updates")
    op.drop_table("events")
    op.drop_index("ix_credentials_delegation_code", table_name="credentials")
    op.drop_table("credentials")
    op.drop_table("delegations")
    op.drop_table("drafts")
