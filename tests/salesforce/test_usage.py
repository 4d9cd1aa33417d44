"""Daily API usage from Sforce-Limit-Info, and the reserve rule."""

from __future__ import annotations

import pytest

from sfseg.salesforce.usage import ApiUsage, check_reserve, parse_limit_info


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("api-usage=10018/100000", ApiUsage(10018, 100000)),
        ("api-usage=25/5000; per-app-api-usage=17/250(appName=sample-app)", ApiUsage(25, 5000)),
        ("per-app-api-usage=17/250(appName=sample-app); api-usage=30/5000", ApiUsage(30, 5000)),
        ("per-app-api-usage=17/250(appName=sample-app)", None),
        ("", None),
        (None, None),
    ],
)
def test_limit_info_org_pair(header: str | None, expected: ApiUsage | None) -> None:
    """Only the org-wide api-usage pair is read; the per-app pair is ignored."""
    assert parse_limit_info(header) == expected


def test_reserve_boundary() -> None:
    """With 10% of 100 reserved, call 90 is allowed and call 91 is refused."""
    assert check_reserve(ApiUsage(89, 100), 0.1) is None
    assert check_reserve(ApiUsage(90, 100), 0.1) == (
        "daily API usage 90/100 leaves no room above the reserve of 10% (10 calls)"
    )


def test_reserve_off_or_unknown() -> None:
    """No reserve, or no usage seen yet, refuses nothing."""
    assert check_reserve(ApiUsage(100, 100), 0.0) is None
    assert check_reserve(None, 0.5) is None


def test_remaining_never_negative() -> None:
    """Usage past the maximum leaves zero remaining."""
    assert ApiUsage(120, 100).remaining == 0
