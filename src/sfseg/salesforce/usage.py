"""Daily API allowance: usage read from `Sforce-Limit-Info` and `/limits`, and the reserve."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ApiUsage", "check_reserve", "parse_limit_info"]

# Salesforce sends `api-usage=10018/100000` on every REST response, and with a
# connected app also `; per-app-api-usage=17/250(appName=x)`. Only the org-wide
# pair counts against the daily allowance.
_API_USAGE = re.compile(r"(?:^|[;\s])api-usage=(\d+)/(\d+)")


@dataclass(frozen=True, slots=True)
class ApiUsage:
    """Org-wide daily API requests: `used` of `max` in the rolling 24 hours."""

    used: int
    max: int

    @property
    def remaining(self) -> int:
        return max(self.max - self.used, 0)


def parse_limit_info(header: str | None) -> ApiUsage | None:
    """Read the org-wide pair from a `Sforce-Limit-Info` header; None if absent."""
    if not header:
        return None
    match = _API_USAGE.search(header)
    if match is None:
        return None
    return ApiUsage(used=int(match.group(1)), max=int(match.group(2)))


def check_reserve(usage: ApiUsage | None, reserve_fraction: float, calls: int = 1) -> str | None:
    """Explain why `calls` more requests would eat into the reserve, or None if they fit.

    The reserve is the last `reserve_fraction` of the allowance, left for other
    integrations of the org. Without a known usage nothing is refused.
    """
    if usage is None or usage.max <= 0 or reserve_fraction <= 0:
        return None
    ceiling = int(usage.max * (1 - reserve_fraction))
    if usage.used + calls <= ceiling:
        return None
    return (
        f"daily API usage {usage.used}/{usage.max} leaves no room above the reserve of "
        f"{reserve_fraction:.0%} ({usage.max - ceiling} calls)"
    )
