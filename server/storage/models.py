"""The tables (DESIGN §9) as SQLAlchemy 2 typed ORM models, and their conversion to records.

Schema changes go through a new Alembic revision in `server/migrations/versions/`; the test
suite checks that the migrations and these models agree (`Storage.schema_drift`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server.storage.records import (
    DelegationRecord,
    DraftRecord,
    QuarantineRecord,
    Snapshot,
    StoredEvent,
    StoredUpdate,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# An autoincrementing id: BIGINT on PostgreSQL; on SQLite it must be INTEGER to alias the rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# JSONB on PostgreSQL (indexable), JSON text elsewhere.
Json = JSON().with_variant(JSONB(), "postgresql")

DRAFT_ID = String(64)
CODE = String(16)  # a delegation code: 2-16 characters (drafting.delegation)
# SQLite: AUTOINCREMENT so that ids are never reused after compaction deletes the newest rows.
MONOTONIC = {"sqlite_autoincrement": True}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC timestamp on every backend (SQLite stores it naive, as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"timestamp {value!r} has no time zone; storage keeps aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DraftRow(Base):
    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(DRAFT_ID, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    symbol: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(32))
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    # The newest update of this draft; commits lock this row, so per draft the update ids grow in
    # commit order (what lets another process catch up by reading ids after its last one).
    last_update_id: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    def record(self) -> DraftRecord:
        return DraftRecord(self.id, self.title, self.symbol, self.state, self.created)


class InstallationRow(Base):
    """One row: this database's random id. Processes sharing the database share it, and name
    their bus channels after it, so two installations on one Redis never hear each other."""

    __tablename__ = "installation"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class DelegationRow(Base):
    __tablename__ = "delegations"

    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    constituency: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(32))
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def record(self) -> DelegationRecord:
        return DelegationRecord(
            self.code, self.name, self.constituency, self.role, self.created, self.revoked_at
        )


class CredentialRow(Base):
    """A sign-in token, kept only as the SHA-256 hex digest of the token."""

    __tablename__ = "credentials"
    __table_args__ = MONOTONIC

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delegation_code: Mapped[str] = mapped_column(CODE, ForeignKey("delegations.code"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventRow(Base):
    """The record (DESIGN §6). The primary key (draft_id, seq) serializes procedural actions."""

    __tablename__ = "events"
    __table_args__ = (CheckConstraint("seq > 0", name="seq_positive"),)

    draft_id: Mapped[str] = mapped_column(DRAFT_ID, ForeignKey("drafts.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)

    def record(self) -> StoredEvent:
        return StoredEvent(self.draft_id, self.seq, self.at, self.actor, self.type, self.payload)


class UpdateRow(Base):
    """The Yjs update log of a draft's live document."""

    __tablename__ = "updates"
    __table_args__ = (Index("ix_updates_draft_id_id", "draft_id", "id"), MONOTONIC)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    draft_id: Mapped[str] = mapped_column(DRAFT_ID, ForeignKey("drafts.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    origin: Mapped[str] = mapped_column(String(128))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    def record(self) -> StoredUpdate:
        return StoredUpdate(self.id, self.draft_id, self.at, self.origin, self.data)


class SnapshotRow(Base):
    """A compacted document state: every update of the draft up to ``up_to_update_id``."""

    __tablename__ = "snapshots"
    __table_args__ = (
        Index("ix_snapshots_draft_id_up_to_update_id", "draft_id", "up_to_update_id"),
        MONOTONIC,
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    draft_id: Mapped[str] = mapped_column(DRAFT_ID, ForeignKey("drafts.id"))
    up_to_update_id: Mapped[int] = mapped_column(BigInteger)
    event_seq: Mapped[int] = mapped_column(Integer)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    def record(self) -> Snapshot:
        return Snapshot(
            self.id, self.draft_id, self.up_to_update_id, self.event_seq, self.at, self.state
        )


class VersionRow(Base):
    """The live document right after the event ``seq`` (for exports "as at"): its full state,
    or, with ``base_seq``, what it gained since the full version at that seq (`version_chain`)."""

    __tablename__ = "versions"

    draft_id: Mapped[str] = mapped_column(DRAFT_ID, ForeignKey("drafts.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    base_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)


class QuarantineRow(Base):
    """A transaction the suggestion-mode validator reverted (DESIGN §5), kept as evidence."""

    __tablename__ = "quarantine"
    __table_args__ = (Index("ix_quarantine_draft_id_id", "draft_id", "id"), MONOTONIC)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    draft_id: Mapped[str] = mapped_column(DRAFT_ID, ForeignKey("drafts.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    delegation: Mapped[str] = mapped_column(CODE)
    code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    def record(self) -> QuarantineRecord:
        return QuarantineRecord(
            self.id, self.draft_id, self.at, self.delegation, self.code, self.reason, self.data
        )
