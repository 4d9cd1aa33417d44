"""Everything one running sandbox holds: the org, its query engine, OAuth sessions,
limits, faults, statistics and the clock tests can set."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sfseg.sandbox.clock import Clock
from sfseg.sandbox.config import SandboxConfig
from sfseg.sandbox.faults import FaultInjector
from sfseg.sandbox.limits import ApiLimits
from sfseg.sandbox.stats import CallStats
from sfseg.sandbox.tokens import TokenStore
from sfseg.soql.ids import to_18

if TYPE_CHECKING:
    from sfseg.sandbox.org import Org
    from sfseg.sandbox.query import QueryEngine

__all__ = ["ORG_ID", "SandboxClock", "SandboxState", "UserIdentity", "build_state"]

# The sandbox org's id: prefix 00D (Organization), as every token and identity URL shows.
ORG_ID = to_18("00DSF0000000001")


class SandboxClock(Clock):
    """The sandbox's time: the system clock in UTC, unless a test fixed it.

    `PUT /__sandbox/clock` fixes it, so token expiry and relative date literals can be
    tested without sleeping.
    """

    def __init__(self) -> None:
        self._fixed: datetime | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        fixed = self._fixed
        return fixed if fixed is not None else datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()

    @property
    def fixed(self) -> datetime | None:
        return self._fixed

    def set(self, moment: datetime | None) -> None:
        """Fix the time at `moment` (aware), or follow the system clock again with None."""
        if moment is not None and moment.tzinfo is None:
            msg = f"clock time {moment.isoformat()} has no UTC offset; add 'Z' or '+00:00'"
            raise ValueError(msg)
        with self._lock:
            self._fixed = moment.astimezone(UTC) if moment is not None else None


@dataclass(frozen=True, slots=True)
class UserIdentity:
    username: str
    user_id: str


@dataclass(slots=True)
class SandboxState:
    """The live parts of one sandbox server (`app.state.sandbox`)."""

    config: SandboxConfig
    org: Org
    queries: QueryEngine
    clock: SandboxClock
    limits: ApiLimits
    stats: CallStats
    faults: FaultInjector
    tokens: TokenStore
    started_at: datetime
    base_url: str = ""
    latency_ms: int = 0
    _users: dict[str, UserIdentity] = field(default_factory=dict)

    @property
    def org_id(self) -> str:
        return ORG_ID

    def identity_url(self, user_id: str) -> str:
        return f"{self.base_url}/id/{ORG_ID}/{user_id}"

    def find_user(self, username: str) -> UserIdentity | None:
        """Return the known user with this username (case-insensitive), or None.

        Known users are the configured integration user and every User of the seed.
        """
        key = username.lower()
        if key in self._users:
            return self._users[key]
        user_id = _org_user_id(self.org, username)
        if user_id is None:
            return None
        identity = UserIdentity(username, user_id)
        self._users[key] = identity
        return identity

    @property
    def default_user(self) -> UserIdentity:
        """The user that client-credentials tokens and the authorize page act as."""
        return self._users[_DEFAULT_KEY]


_DEFAULT_KEY = ""


def _org_username(org: Org, user_id: str) -> str | None:
    store = org.store
    try:
        with store.lock:
            row = store.connection.execute(
                'SELECT Username FROM "User" WHERE Id = ?', (user_id,)
            ).fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row and row[0] else None


def _default_user(org: Org, username: str | None) -> UserIdentity:
    """Return the run-as user: `username` when given, else the org's default user."""
    if username is None:
        found = _org_username(org, org.default_user_id)
        return UserIdentity(found or "sandbox.admin@sfseg.example", org.default_user_id)
    user_id = _org_user_id(org, username)
    if user_id is None:
        msg = f"--username {username} is not a User of the seeded org; leave it out to use the default user"
        raise ValueError(msg)
    return UserIdentity(username, user_id)


def _org_user_id(org: Org, username: str) -> str | None:
    store = org.store
    try:
        with store.lock:
            row = store.connection.execute(
                'SELECT Id FROM "User" WHERE lower(Username) = lower(?) AND IsDeleted = 0',
                (username,),
            ).fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def build_state(config: SandboxConfig) -> SandboxState:
    """Open the org from the configured seed and wire the parts of a sandbox together."""
    from sfseg.sandbox.org import Org
    from sfseg.sandbox.query import QueryEngine

    clock = SandboxClock()
    org = Org.open(str(config.db) if config.db else None, seed=config.seed, clock=clock)
    stats = CallStats()
    faults = FaultInjector(on_fire=stats.count_fault)
    if config.faults is not None:
        faults.configure(_read_json(config.faults))
    state = SandboxState(
        config=config,
        org=org,
        queries=QueryEngine(org),
        clock=clock,
        limits=ApiLimits(config.api_limit, config.max_concurrent),
        stats=stats,
        faults=faults,
        tokens=TokenStore(ORG_ID[:15], config.token_ttl, clock.now),
        started_at=clock.now().replace(microsecond=0),
        latency_ms=config.latency_ms,
    )
    user = _default_user(org, config.username)
    state._users[_DEFAULT_KEY] = user
    state._users[user.username.lower()] = user
    return state


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"cannot read the fault file {path}: {exc.strerror}"
        raise ValueError(msg) from exc
    except json.JSONDecodeError as exc:
        msg = f"the fault file {path} is not valid JSON: {exc}"
        raise ValueError(msg) from exc
