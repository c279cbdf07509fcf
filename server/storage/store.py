"""`Storage`: the one door to the database. Short, blocking methods, one transaction each.

The async server calls these through a thread executor. Each method opens its own session;
writes commit when the method returns and roll back entirely when it raises.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from server.storage import credentials, documents, engine, eventlog, schema
from server.storage.draft_lock import DraftLock
from server.storage.errors import (
    DelegationExists,
    DraftExists,
    StaleSequence,
    StorageError,
    UnknownDelegation,
    UnknownDraft,
)
from server.storage.fastpath import CommitWriter
from server.storage.models import DelegationRow, DraftRow, InstallationRow, QuarantineRow
from server.storage.records import (
    CatchUp,
    Committed,
    DelegationRecord,
    DraftRecord,
    LoadedDocument,
    NewEvent,
    NewUpdate,
    QuarantineRecord,
    Snapshot,
    StoredEvent,
    StoredUpdate,
    Version,
    utc,
)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Storage:
    """Drafts, delegations, credentials, the record, live documents and quarantine."""

    def __init__(self, db: Engine, *, clock: Clock = utcnow) -> None:
        self._engine = db
        self._reads = sessionmaker(db, expire_on_commit=False)
        self._writes = sessionmaker(engine.writer(db), expire_on_commit=False)
        # Commits (typing and the record) and compaction: plain statements, no Session (`fastpath`).
        self._writer = CommitWriter(db)
        self._clock = clock
        self._installation: str | None = None  # read once, for the draft locks' keys

    @classmethod
    def open(
        cls,
        url: str = engine.DEFAULT_URL,
        *,
        clock: Clock = utcnow,
        busy_timeout_ms: int = engine.DEFAULT_BUSY_TIMEOUT_MS,
    ) -> Storage:
        """Connect (lazily) to ``url``; call `migrate` before first use of a new database."""
        return cls(engine.open_engine(url, busy_timeout_ms=busy_timeout_ms), clock=clock)

    def close(self) -> None:
        self._writer.close()
        self._engine.dispose()

    def __enter__(self) -> Storage:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return str(self._engine.dialect.name)

    def __repr__(self) -> str:
        return f"Storage({self._engine.url.render_as_string(hide_password=True)!r})"

    # -- schema ---------------------------------------------------------------------------

    def migrate(self) -> None:
        """Alembic ``upgrade head``: creates the tables on an empty database; idempotent."""
        schema.upgrade(engine.writer(self._engine))

    create_schema = migrate

    def schema_revision(self) -> str | None:
        return schema.current(self._engine)

    def schema_drift(self) -> list[str]:
        """Differences between the models and the database; empty when migrations are complete."""
        return schema.drift(self._engine)

    def diagnostics(self) -> dict[str, str]:
        return engine.diagnostics(self._engine)

    def installation_id(self) -> str:
        """This database's random id, made on first use (the first writer wins)."""
        with self._reading() as session:
            found = session.scalar(select(InstallationRow.id).limit(1))
        if found is not None:
            return found
        try:
            with self._writing() as session:
                session.add(InstallationRow(id=uuid.uuid4().hex, created=self._now()))
        except IntegrityError:
            pass
        with self._reading() as session:
            return str(session.scalar(select(InstallationRow.id).order_by(InstallationRow.created)))

    # -- drafts ---------------------------------------------------------------------------

    def create_draft(
        self, title: str, symbol: str, *, draft_id: str | None = None, state: str = "drafting"
    ) -> DraftRecord:
        row = DraftRow(
            id=draft_id or uuid.uuid4().hex,
            title=title,
            symbol=symbol,
            state=state,
            created=self._now(),
        )
        self._insert(row, DraftExists(row.id))
        return row.record()

    def get_draft(self, draft_id: str) -> DraftRecord | None:
        with self._reading() as session:
            row = session.get(DraftRow, draft_id)
            return row.record() if row else None

    def list_drafts(self) -> list[DraftRecord]:
        with self._reading() as session:
            rows = session.scalars(select(DraftRow).order_by(DraftRow.created, DraftRow.id))
            return [row.record() for row in rows]

    def set_state(self, draft_id: str, state: str) -> DraftRecord:
        with self._writing() as session:
            row = _draft(session, draft_id)
            row.state = state
            return row.record()

    # -- delegations and credentials -------------------------------------------------------

    def add_delegation(
        self, code: str, name: str, constituency: str, role: str
    ) -> DelegationRecord:
        row = DelegationRow(
            code=code, name=name, constituency=constituency, role=role, created=self._now()
        )
        self._insert(row, DelegationExists(code))
        return row.record()

    def get_delegation(self, code: str) -> DelegationRecord | None:
        with self._reading() as session:
            row = session.get(DelegationRow, code)
            return row.record() if row else None

    def list_delegations(self, *, include_revoked: bool = False) -> list[DelegationRecord]:
        query = select(DelegationRow).order_by(DelegationRow.code)
        if not include_revoked:
            query = query.where(DelegationRow.revoked_at.is_(None))
        with self._reading() as session:
            return [row.record() for row in session.scalars(query)]

    def revoke_delegation(self, code: str) -> DelegationRecord:
        """Revoke a delegation: its tokens stop authenticating. Revoking twice keeps the first."""
        with self._writing() as session:
            row = session.get(DelegationRow, code)
            if row is None:
                raise UnknownDelegation(code)
            row.revoked_at = row.revoked_at or self._now()
            return row.record()

    def issue_token(
        self, code: str, expires_at: datetime | None = None, *, now: datetime | None = None
    ) -> str:
        """A new sign-in token for ``code``. Show it once; only its SHA-256 is stored."""
        with self._writing() as session:
            return credentials.issue(session, code, expires_at, self._now(now))

    def authenticate(self, token: str, *, now: datetime | None = None) -> DelegationRecord | None:
        """The delegation of a live token; None if unknown, revoked, expired or of a revoked one."""
        with self._reading() as session:
            return credentials.authenticate(session, token, self._now(now))

    def invalid_digests(self, digests: Collection[str], *, now: datetime | None = None) -> set[str]:
        """Token digests (`credentials.token_hash`) that no longer authenticate anyone."""
        with self._reading() as session:
            return credentials.invalid_digests(session, digests, self._now(now))

    def revoke_token(self, token: str, *, now: datetime | None = None) -> bool:
        with self._writing() as session:
            return credentials.revoke(session, token, self._now(now))

    # -- the record and the live document, written together --------------------------------

    @property
    def commits_without_waiting(self) -> bool:
        """Whether `commit(wait=False)` can skip the wait: a SQLite file, whose commits without
        an fsync take a tenth of a millisecond once its write lock is free — cheaper on the
        caller's own thread than the hand-off to another. (PostgreSQL: a network round trip.)"""
        return self._writer.commits_without_waiting

    def commit(
        self,
        draft_id: str,
        expected_seq: int | None,
        *,
        events: Sequence[NewEvent] = (),
        updates: Sequence[NewUpdate] = (),
        versions: Sequence[tuple[int, bytes]] = (),
        record_durable: bool = True,
        wait: bool = True,
    ) -> Committed:
        """Append ``events`` (seq expected_seq+1…) and ``updates`` in one transaction.

        ``versions`` are ``(seq, full document state)`` pairs: the text as it stood right after
        those events (what exports "as at seq" read back).

        ``record_durable``: False when the events only restate this commit's typing (amendments
        it opened or emptied, registered from the text): such a commit is synced like a typing
        round (SQLite: NORMAL, no fsync; see `fastpath`). Procedural decisions keep True.

        ``wait`` False, where `commits_without_waiting`: raise `WriterBusy` at once, having
        written nothing, if another connection holds the database's write lock.

        Raises `StaleSequence` if the record is no longer at ``expected_seq``; then, as on any
        error, nothing at all is written. With no events, ``expected_seq`` may be None (no check);
        given, it guards updates that were judged against the record at that seq.

        The draft's row is locked for the transaction (PostgreSQL: ``SELECT … FOR UPDATE``;
        SQLite serializes writers anyway), so the update ids of one draft grow in commit order
        across processes, and `Committed.previous_update_id` says what came just before.
        """
        try:
            stored, update_ids, previous = self._writer.commit(
                draft_id,
                expected_seq,
                updates,
                self._now(),
                events=events,
                versions=versions,
                record_durable=record_durable,
                wait=wait,
            )
        except IntegrityError as error:
            # Another writer took seq expected_seq+1 between our check and our insert.
            actual = self.last_seq(draft_id)
            if expected_seq is None or actual == expected_seq:
                raise
            raise StaleSequence(draft_id, expected_seq, actual) from error
        return Committed(stored, update_ids, previous)

    def append_events(
        self, draft_id: str, expected_seq: int, events: Sequence[NewEvent]
    ) -> list[StoredEvent]:
        return self.commit(draft_id, expected_seq, events=events).events

    def events(self, draft_id: str, after: int = 0) -> list[StoredEvent]:
        with self._reading() as session:
            return eventlog.read(session, draft_id, after)

    def last_seq(self, draft_id: str) -> int:
        with self._reading() as session:
            return eventlog.last_seq(session, draft_id)

    # -- the live document ------------------------------------------------------------------

    def append_updates(self, draft_id: str, updates: Sequence[NewUpdate]) -> int:
        """Store a batch of Yjs updates in one transaction (group commit); the last new id."""
        if not updates:
            raise ValueError("append_updates needs at least one update")
        return self.commit(draft_id, None, updates=updates).update_ids[-1]

    def updates(self, draft_id: str, after_id: int = 0) -> list[StoredUpdate]:
        with self._reading() as session:
            return documents.read_updates(session, draft_id, after_id)

    def save_snapshot(
        self, draft_id: str, up_to_update_id: int, state: bytes, event_seq: int
    ) -> Snapshot:
        with self._writing() as session:
            _draft(session, draft_id)
            return documents.save_snapshot(
                session, draft_id, up_to_update_id, state, event_seq, self._now()
            )

    def latest_snapshot(self, draft_id: str) -> Snapshot | None:
        with self._reading() as session:
            return documents.latest_snapshot(session, draft_id)

    def compact(
        self, draft_id: str, up_to_update_id: int, state: bytes, *, event_seq: int
    ) -> Snapshot:
        """Save ``state`` (all updates up to ``up_to_update_id``) and delete those updates."""
        return self._writer.compact(draft_id, up_to_update_id, state, event_seq, self._now())

    def catch_up(self, draft_id: str, after_seq: int, after_update_id: int) -> CatchUp:
        """What was stored for the draft after ``after_seq`` / ``after_update_id``, read
        consistently (another process's work, for a room that holds the draft too)."""
        with self._reading() as session:
            return documents.catch_up(session, draft_id, after_seq, after_update_id)

    def draft_lock(self, draft_id: str) -> DraftLock:
        """The draft's procedural lock across processes (taken with `DraftLock.acquire`)."""
        if self._installation is None:
            self._installation = self.installation_id()
        return DraftLock(self._engine, self._installation, draft_id)

    def version_at(self, draft_id: str, seq: int) -> Version | None:
        """The document as it stood after event ``seq`` (the latest version kept at or before)."""
        with self._reading() as session:
            return documents.version_at(session, draft_id, seq)

    def load(self, draft_id: str) -> LoadedDocument:
        """The latest snapshot and the updates after it, read consistently."""
        with self._reading() as session:
            return documents.load(session, draft_id)

    # -- quarantine ---------------------------------------------------------------------------

    def quarantine(
        self, draft_id: str, code: str, reason: str, delegation: str, data: bytes
    ) -> QuarantineRecord:
        """Keep a reverted transaction (DESIGN §5) with the refusal's code and reason."""
        row = QuarantineRow(
            draft_id=draft_id,
            at=self._now(),
            delegation=delegation,
            code=code,
            reason=reason,
            data=data,
        )
        with self._writing() as session:
            _draft(session, draft_id)
            session.add(row)
            session.flush()
            return row.record()

    def quarantined(self, draft_id: str) -> list[QuarantineRecord]:
        query = select(QuarantineRow).where(QuarantineRow.draft_id == draft_id)
        with self._reading() as session:
            return [row.record() for row in session.scalars(query.order_by(QuarantineRow.id))]

    # -- plumbing -------------------------------------------------------------------------------

    def _now(self, given: datetime | None = None) -> datetime:
        return utc(given or self._clock(), "now")

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with self._reads() as session:
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with self._writes.begin() as session:
            yield session

    def _insert(self, row: DraftRow | DelegationRow, conflict: StorageError) -> None:
        """Insert a row whose only constraint is its primary key; a clash raises ``conflict``."""
        try:
            with self._writing() as session:
                session.add(row)
        except IntegrityError as error:
            raise conflict from error


def _draft(session: Session, draft_id: str, *, lock: bool = False) -> DraftRow:
    row = session.get(DraftRow, draft_id, with_for_update=lock)
    if row is None:
        raise UnknownDraft(draft_id)
    return row
