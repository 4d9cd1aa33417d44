"""The segments store: segments, jobs and their items, membership events, the error log.

`Store(url)` opens the database (SQLite by default, PostgreSQL through
`postgresql+psycopg://...`) and brings its schema to the newest Alembic revision before
returning. The store holds no secrets: no tokens, no client secrets, no keys.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, or_, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from sfseg.segments import settings
from sfseg.segments.store.models import (
    Base,
    ErrorLogEntry,
    Job,
    JobItem,
    MembershipEvent,
    Segment,
    StoreState,
    utcnow,
)
from sfseg.segments.store.service_tables import ApiKey, IdempotencyRecord
from sfseg.soql import ids

__all__ = [
    "AmbiguousSegmentError",
    "ApiKey",
    "Base",
    "ErrorLogEntry",
    "IdempotencyRecord",
    "Job",
    "JobItem",
    "MembershipEvent",
    "Segment",
    "SegmentNotFoundError",
    "Store",
    "StoreState",
]

MIGRATIONS = "sfseg.segments.store:migrations"
HEAD_REVISION_NAME = "head"
# SQLite waits this long for another writer's lock before failing with "database is locked".
SQLITE_BUSY_TIMEOUT_S = 30
# How long a process that lost a migration race waits for the winner to finish.
MIGRATION_WAIT_S = 60

# Serialises migrations of stores opened in this process; other processes are
# serialised by the database (PostgreSQL advisory lock, SQLite write lock).
_migrate_lock = threading.Lock()
# An arbitrary constant naming sfseg's migration lock among PostgreSQL advisory locks.
_PG_MIGRATION_LOCK_KEY = 0x5F5E6_0001


class SegmentNotFoundError(LookupError):
    """No segment in the store matches the id, name, key or Campaign id given."""


class AmbiguousSegmentError(LookupError):
    """Several segments match the reference given."""


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def normalize_url(url: str) -> str:
    """Return the URL with the psycopg 3 driver for a bare `postgresql://` (or `postgres://`)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)

    database = parsed.database
    if not database or database == ":memory:":
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
        )
    event.listen(engine, "connect", _sqlite_on_connect)
    return engine


class Store:
    """The segments database.

    Args:
        url: a SQLAlchemy URL; None means `SFSEG_DATABASE_URL`, else the SQLite file
            `sfseg.db` in the user data directory.
        migrate: bring the schema to the newest revision on open (the default).

    The store is safe to share between threads: each `session()` is its own unit of work.
    """

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = normalize_url(url or settings.database_url())
        self.engine = _create_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def data_dir(self) -> Path:
        """The directory of the SQLite file, else the user data directory; it contains errors.jsonl."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            return Path(str(parsed.database)).expanduser().resolve().parent
        return settings.data_dir()

    @property
    def errors_path(self) -> Path:
        return self.data_dir / "errors.jsonl"

    # --- schema ---------------------------------------------------------------

    def _alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", MIGRATIONS)
        return config

    def head_revision(self) -> str | None:
        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def migrate(self) -> None:
        """Upgrade the schema to the newest revision (a no-op when it is already there).

        Several processes may open a new store at once. PostgreSQL serialises them with
        an advisory lock. SQLite commits each DDL statement on its own, so the process
        that loses the race fails on a table the winner made. That process then waits
        for the winner to reach the newest revision instead of failing.
        """
        config = self._alembic_config()
        head = ScriptDirectory.from_config(config).get_current_head()
        with _migrate_lock:
            if self.current_revision() == head:
                return
            try:
                self._upgrade(config)
            except DBAPIError:
                if not self._wait_for_revision(head):
                    raise

    def _upgrade(self, config: Config) -> None:
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY}
                )
            config.attributes["connection"] = connection
            command.upgrade(config, HEAD_REVISION_NAME)

    def _wait_for_revision(self, head: str | None) -> bool:
        deadline = time.monotonic() + MIGRATION_WAIT_S
        while time.monotonic() < deadline:
            try:
                if self.current_revision() == head:
                    return True
            except DBAPIError:
                pass  # the other process is still writing the version table
            time.sleep(0.1)
        return False

    # --- sessions -------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Open a unit of work: committed when the block ends, rolled back if it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    # --- segments -------------------------------------------------------------

    def find_segment(self, session: Session, reference: str) -> Segment:
        """Find a segment by its id, name, key or Campaign id (15 or 18 characters).

        Raises:
            SegmentNotFoundError: nothing matches; the message lists how to see the segments.
            AmbiguousSegmentError: several segments match.
        """
        reference = reference.strip()
        conditions = [
            Segment.id == reference,
            Segment.name == reference,
            Segment.key == reference,
        ]
        if ids.is_salesforce_id(reference):
            conditions.append(Segment.campaign_id == ids.to_18(reference))
        found = list(session.scalars(select(Segment).where(or_(*conditions))))
        if not found:
            msg = f"segment {reference!r} not found; run `sfseg segments list` to see the segments"
            raise SegmentNotFoundError(msg)
        if len(found) > 1:
            names = ", ".join(f"{s.id} ({s.name})" for s in found)
            msg = f"segment reference {reference!r} matches several segments: {names}; use the id"
            raise AmbiguousSegmentError(msg)
        return found[0]

    def get_segment(self, reference: str) -> Segment:
        with self.session() as session:
            return self.find_segment(session, reference)

    def list_segments(self) -> list[Segment]:
        with self.session() as session:
            return list(session.scalars(select(Segment).order_by(Segment.created_at, Segment.id)))

    # --- named values ---------------------------------------------------------

    def get_state(self, name: str) -> str | None:
        with self.session() as session:
            row = session.get(StoreState, name)
            return None if row is None else row.value

    def set_state(self, name: str, value: str | None) -> None:
        with self.session() as session:
            row = session.get(StoreState, name)
            if value is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(StoreState(name=name, value=value, updated_at=utcnow()))
            else:
                row.value = value
