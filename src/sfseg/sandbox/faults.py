"""Injected faults: rules that make chosen API requests, or chosen records, fail.

A rule document is `{"seed": 7, "rules": [rule, ...]}`; a rule is
`{"method": "POST" | null, "path": regex, "fault": kind, "rate" | "times" | "after",
"records": share}`. `path` is searched in the request path after
`/services/data/vXX.X` (so `"^/composite/sobjects"` matches every collections call).

How a request-level rule chooses requests, counting only the requests it matches:
`after: n` skips the first n, `times: n` fires at most n times, `rate: p` fires with
probability p. The three combine, and a rule with none of them fires every time.

A record-level rule (`UNABLE_TO_LOCK_ROW` with `"records": share`) never fails a whole
request. Each row that a collections or bulk request writes asks `record_fault`, and
the rule hits that row with probability `share`; `after` and `times` then count rows.

Random draws come from one generator seeded by `seed`, so the same requests in the
same order meet the same faults.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "FaultInjector",
    "FaultKind",
    "FaultRule",
    "FaultRuleError",
    "FiredFault",
]


class FaultKind(StrEnum):
    REQUEST_LIMIT_EXCEEDED = "REQUEST_LIMIT_EXCEEDED"
    DAILY_LIMIT = "DAILY_LIMIT"
    SERVER_UNAVAILABLE = "SERVER_UNAVAILABLE"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    UNABLE_TO_LOCK_ROW = "UNABLE_TO_LOCK_ROW"
    INVALID_SESSION_ID = "INVALID_SESSION_ID"
    QUERY_TIMEOUT = "QUERY_TIMEOUT"
    DELAY = "DELAY"
    DROP_BEFORE = "DROP_BEFORE"
    DROP_AFTER = "DROP_AFTER"
    COMMIT_THEN_503 = "COMMIT_THEN_503"


_RECORD_LEVEL_KINDS = frozenset({FaultKind.UNABLE_TO_LOCK_ROW})
_RULE_KEYS = frozenset({"method", "path", "fault", "rate", "times", "after", "records"})


class FaultRuleError(ValueError):
    """A fault document that cannot be used; the message names the bad value."""


@dataclass(frozen=True, slots=True)
class FiredFault:
    """A fault chosen for the current request."""

    kind: FaultKind
    delay_ms: int = 0


@dataclass(slots=True)
class FaultRule:
    kind: FaultKind
    path: re.Pattern[str]
    method: str | None = None
    rate: float | None = None
    times: int | None = None
    after: int | None = None
    records: float | None = None
    delay_ms: int = 0
    matched: int = 0
    fired: int = 0

    @property
    def fault_name(self) -> str:
        return f"DELAY:{self.delay_ms}" if self.kind is FaultKind.DELAY else self.kind.value

    @property
    def record_level(self) -> bool:
        return self.records is not None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        return self.path.search(path) is not None

    def should_fire(self, draw: Callable[[], float], probability: float | None) -> bool:
        """Count one matching request (or row) and decide whether the rule fires on it."""
        self.matched += 1
        if self.after is not None and self.matched <= self.after:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        if probability is not None and draw() >= probability:
            return False
        self.fired += 1
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path.pattern,
            "fault": self.fault_name,
            "rate": self.rate,
            "times": self.times,
            "after": self.after,
            "records": self.records,
            "matched": self.matched,
            "fired": self.fired,
        }


def _parse_kind(value: object) -> tuple[FaultKind, int]:
    text = str(value)
    if text.upper().startswith("DELAY:"):
        millis = text.partition(":")[2]
        if not millis.isdigit():
            msg = f"fault {text!r}: DELAY needs whole milliseconds, as in 'DELAY:250'"
            raise FaultRuleError(msg)
        return FaultKind.DELAY, int(millis)
    try:
        return FaultKind(text.upper()), 0
    except ValueError:
        kinds = ", ".join(kind.value for kind in FaultKind)
        msg = f"fault {text!r} is not a fault kind; use one of {kinds} (DELAY as 'DELAY:ms')"
        raise FaultRuleError(msg) from None


def _optional_number(rule: Mapping[str, Any], key: str, *, share: bool) -> Any:
    value = rule.get(key)
    if value is None:
        return None
    if share:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            msg = f"{key} {value!r} must be a number from 0 to 1"
            raise FaultRuleError(msg)
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"{key} {value!r} must be a whole number of 0 or more"
        raise FaultRuleError(msg)
    return value


def parse_rule(rule: object) -> FaultRule:
    """Build one rule from its JSON form; raise FaultRuleError naming a bad value."""
    if not isinstance(rule, Mapping):
        msg = f"rule {rule!r} must be a JSON object"
        raise FaultRuleError(msg)
    unknown = set(rule) - _RULE_KEYS
    if unknown:
        msg = f"rule keys {sorted(unknown)} are unknown; use {sorted(_RULE_KEYS)}"
        raise FaultRuleError(msg)
    if "fault" not in rule:
        msg = f"rule {dict(rule)!r} has no 'fault'"
        raise FaultRuleError(msg)
    kind, delay_ms = _parse_kind(rule["fault"])
    try:
        path = re.compile(str(rule.get("path") or ""))
    except re.error as exc:
        msg = f"path {rule.get('path')!r} is not a valid regular expression: {exc}"
        raise FaultRuleError(msg) from exc
    records = _optional_number(rule, "records", share=True)
    if records is not None and kind not in _RECORD_LEVEL_KINDS:
        msg = f"'records' applies only to record-level faults (UNABLE_TO_LOCK_ROW), not {kind.value}"
        raise FaultRuleError(msg)
    method = rule.get("method")
    return FaultRule(
        kind=kind,
        path=path,
        method=str(method).upper() if method else None,
        rate=_optional_number(rule, "rate", share=True),
        times=_optional_number(rule, "times", share=False),
        after=_optional_number(rule, "after", share=False),
        records=records,
        delay_ms=delay_ms,
    )


class FaultInjector:
    """The active fault rules of one sandbox, safe across threads."""

    def __init__(self, on_fire: Callable[[str], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._on_fire = on_fire or (lambda _name: None)
        self.seed = 0
        self.rules: list[FaultRule] = []
        self._random = random.Random(0)

    def configure(self, document: object) -> None:
        """Replace the rules with those of a `{"seed", "rules"}` document."""
        if not isinstance(document, Mapping):
            msg = 'the fault document must be a JSON object {"seed": n, "rules": [...]}'
            raise FaultRuleError(msg)
        seed = document.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            msg = f"seed {seed!r} must be a whole number"
            raise FaultRuleError(msg)
        raw_rules = document.get("rules", [])
        if not isinstance(raw_rules, list):
            msg = f"rules {raw_rules!r} must be a JSON array"
            raise FaultRuleError(msg)
        rules = [parse_rule(rule) for rule in raw_rules]
        with self._lock:
            self.seed = seed
            self.rules = rules
            self._random = random.Random(seed)

    def clear(self) -> None:
        with self._lock:
            self.rules = []

    def describe(self) -> dict[str, Any]:
        """Body of `GET /__sandbox/faults`: the rules with how often each fired."""
        with self._lock:
            return {"seed": self.seed, "rules": [rule.to_json() for rule in self.rules]}

    def request_fault(self, method: str, path: str) -> FiredFault | None:
        """Return the fault for this request, if a request-level rule fires on it.

        `path` is the part after `/services/data/vXX.X`. The first rule that fires wins.
        """
        with self._lock:
            for rule in self.rules:
                if rule.record_level or not rule.matches(method, path):
                    continue
                if rule.should_fire(self._random.random, rule.rate):
                    self._on_fire(rule.fault_name)
                    return FiredFault(rule.kind, rule.delay_ms)
        return None

    def record_fault(self, method: str, path: str) -> str | None:
        """Return an errorCode when the current record should fail, else None.

        Collections and bulk jobs call this once per row they write, in row order.
        """
        with self._lock:
            for rule in self.rules:
                if not rule.record_level or not rule.matches(method, path):
                    continue
                if rule.should_fire(self._random.random, rule.records):
                    self._on_fire(rule.fault_name)
                    return rule.kind.value
        return None
