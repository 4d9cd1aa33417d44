"""Per-member metrics on a synthetic org, checked column by column against plain SQL over
the sandbox's own tables, on the REST and the Bulk route."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sfseg.salesforce.errors import SalesforceError
from sfseg.segments.analyze import member_file
from sfseg.segments.analyze.member_file import MemberFile
from sfseg.segments.analyze.members import (
    COLUMNS,
    MemberFileError,
    member_metrics,
)
from sfseg.segments.create import create_segment
from sfseg.segments.store import SegmentNotFoundError, Store
from tests.clients import salesforce_client

pytestmark = pytest.mark.slow  # starts its own synthetic-org sandbox

CONTACT_MEMBERS = 300
LEAD_MEMBERS = 5
SHARED_AMOUNT = Decimal("1234.56")

# Every column, per member, from the tables: an opportunity counts once per contact
# however many roles the contact holds on it, and amounts are summed in cents.
EXPECTED_SQL = """
WITH pairs AS (
    SELECT "ContactId" AS cid, "OpportunityId" AS oid, MAX("IsPrimary") AS prim
    FROM "OpportunityContactRole" WHERE "IsDeleted" = 0 GROUP BY 1, 2
), opp AS (
    SELECT p.cid, COUNT(*) AS n, SUM(o."IsClosed" = 0) AS open, SUM(o."IsWon") AS won,
        SUM(CASE WHEN o."IsWon" = 1 THEN CAST(ROUND(COALESCE(o."Amount", 0) * 100) AS INTEGER)
            ELSE 0 END) AS cents,
        SUM(p.prim) AS prim
    FROM pairs p JOIN "Opportunity" o ON o."Id" = p.oid AND o."IsDeleted" = 0 GROUP BY p.cid
), cs AS (
    SELECT "ContactId" AS cid, COUNT(*) AS n, SUM("IsClosed" = 0) AS open
    FROM "Case" WHERE "IsDeleted" = 0 GROUP BY 1
)
SELECT m."Id", m."ContactId", m."LeadId", m."Type", m."Status", m."HasResponded",
    CASE WHEN m."ContactId" IS NOT NULL THEN c."LastActivityDate" ELSE l."LastActivityDate" END,
    COALESCE(opp.n, 0), COALESCE(opp.open, 0), COALESCE(opp.won, 0), COALESCE(opp.cents, 0),
    COALESCE(opp.prim, 0), COALESCE(cs.n, 0), COALESCE(cs.open, 0)
FROM "CampaignMember" m
LEFT JOIN "Contact" c ON c."Id" = m."ContactId"
LEFT JOIN "Lead" l ON l."Id" = m."LeadId"
LEFT JOIN opp ON opp.cid = m."ContactId"
LEFT JOIN cs ON cs.cid = m."ContactId"
WHERE m."CampaignId" = ? AND m."IsDeleted" = 0
ORDER BY m."Id"
"""


def _client(info: Any, **options: Any) -> Any:
    return salesforce_client(info, **options)


def _sql(info: Any, text: str, *params: Any) -> list[tuple[Any, ...]]:
    store = info.state.org.store
    with store.lock:
        return list(store.connection.execute(text, params).fetchall())


def _shared_opportunity(org: Any, first: str, second: str) -> None:
    """A won opportunity on which both contacts hold a role, `first` holding two."""
    opportunity = org.create(
        "Opportunity",
        {"Name": "Shared", "StageName": "Closed Won", "CloseDate": "2026-01-10", "Amount": 1234.56},
    )
    org.create("OpportunityContactRole", {"OpportunityId": opportunity, "ContactId": first, "Role": "Buyer"})
    org.create(
        "OpportunityContactRole",
        {"OpportunityId": opportunity, "ContactId": first, "Role": "Decision Maker", "IsPrimary": True},
    )
    org.create("OpportunityContactRole", {"OpportunityId": opportunity, "ContactId": second, "Role": "Buyer"})
    org.create("Case", {"ContactId": first, "Subject": "open one", "Status": "New"})
    org.create("Case", {"ContactId": first, "Subject": "closed one", "Status": "Closed"})


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A synthetic org with one segment of 300 contacts and 5 leads, two sharing an opportunity."""
    from sfseg.sandbox.server import run_sandbox

    path = tmp_path_factory.mktemp("members") / "sfseg.db"
    with run_sandbox(seed="synthetic:3000") as info, _client(info) as client, Store(f"sqlite:///{path}") as store:
        created = create_segment(client, store, "Members", "Email != null", target="both")
        campaign_id = created.campaign_id
        contacts = [row[0] for row in _sql(info, 'SELECT "Id" FROM "Contact" ORDER BY "Id" LIMIT ?', CONTACT_MEMBERS)]
        leads = [
            row[0]
            for row in _sql(info, 'SELECT "Id" FROM "Lead" WHERE "IsConverted" = 0 ORDER BY "Id" LIMIT ?', LEAD_MEMBERS)
        ]
        state = info.state.org
        with state.transaction():
            for contact_id in contacts:
                state.create("CampaignMember", {"CampaignId": campaign_id, "ContactId": contact_id})
            for lead_id in leads:
                state.create("CampaignMember", {"CampaignId": campaign_id, "LeadId": lead_id})
        _shared_opportunity(state, contacts[0], contacts[1])
        yield {"info": info, "client": client, "store": store, "campaign_id": campaign_id,
               "contacts": contacts, "leads": leads}  # fmt: skip


def _expected(org: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for values in _sql(org["info"], EXPECTED_SQL, org["campaign_id"]):
        row = dict(zip(COLUMNS, values, strict=True))
        row["has_responded"] = "true" if row["has_responded"] else "false"
        row["won_amount"] = Decimal(row["won_amount"]) / 100
        rows.append({name: "" if value is None else str(value) for name, value in row.items()})
    return rows


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    for row in rows:
        row["won_amount"] = str(Decimal(row["won_amount"]))
    return rows


def _bulk_calls(info: Any) -> int:
    routes = info.state.stats.calls_by_route
    return sum(count for route, count in routes.items() if "/jobs/query" in route)


@pytest.fixture
def clean_faults(org: dict[str, Any]) -> Iterator[Any]:
    """The org's sandbox, its fault rules cleared after the test."""
    yield org["info"]
    org["info"].state.faults.configure({"seed": 1, "rules": []})


@pytest.fixture
def no_wait_client(org: dict[str, Any]) -> Iterator[Any]:
    """A client that retries without sleeping, for the fault tests."""
    from sfseg.salesforce.retry import RetryPolicy

    with _client(org["info"], retry_policy=RetryPolicy(sleep=lambda _seconds: None)) as client:
        yield client


@pytest.mark.parametrize("route", ["rest", "bulk"])
def test_columns_match_sql(org: dict[str, Any], tmp_path: Path, route: str) -> None:
    """Every column of every member equals the value computed from the tables, in Id order."""
    out = tmp_path / "members.csv"

    result = member_metrics(org["client"], org["store"], "Members", out, route=route)

    expected = _expected(org)
    assert len(expected) == CONTACT_MEMBERS + LEAD_MEMBERS
    assert _read_csv(out) == expected
    assert (result.rows, result.route, result.path) == (len(expected), route, str(out))
    # The sample is not trivial: some members have each kind of behaviour.
    for column in ("opportunities", "open_opportunities", "won_opportunities", "cases", "open_cases"):
        assert any(row[column] != "0" for row in expected), column
    assert any(row["last_activity_date"] for row in expected)


def test_rest_case_rows_past_groups(
    org: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With too many members for one grouped case query, REST counts plain case rows, same values."""
    import sfseg.segments.analyze.members as members_module

    monkeypatch.setattr(members_module, "MAX_GROUPS", 2 * (CONTACT_MEMBERS + LEAD_MEMBERS))
    grouped_queries: list[str] = []
    original = members_module._case_count_query
    monkeypatch.setattr(
        members_module, "_case_count_query", lambda campaign_id: grouped_queries.append(campaign_id) or original(campaign_id)
    )
    out = tmp_path / "members.csv"

    member_metrics(org["client"], org["store"], "Members", out, route="rest")

    assert _read_csv(out) == _expected(org)
    assert grouped_queries == []


def test_routes_write_same_file(org: dict[str, Any], tmp_path: Path) -> None:
    """The REST and Bulk routes write byte-identical files, and only Bulk creates query jobs."""
    info = org["info"]
    before = _bulk_calls(info)
    rest = member_metrics(org["client"], org["store"], "Members", tmp_path / "rest.csv", route="rest")
    after_rest = _bulk_calls(info)
    bulk = member_metrics(org["client"], org["store"], "Members", tmp_path / "bulk.csv", route="bulk")

    assert (tmp_path / "rest.csv").read_bytes() == (tmp_path / "bulk.csv").read_bytes()
    assert after_rest == before
    assert _bulk_calls(info) > after_rest
    assert rest.api_calls > 0
    assert bulk.api_calls > 0


def test_auto_route_follows_threshold(org: dict[str, Any], tmp_path: Path) -> None:
    """`auto` takes Bulk at the threshold and REST below it, after one count query."""
    info = org["info"]
    members = CONTACT_MEMBERS + LEAD_MEMBERS
    before = _bulk_calls(info)
    below = member_metrics(org["client"], org["store"], "Members", tmp_path / "a.csv", bulk_threshold=members + 1)
    assert (below.route, _bulk_calls(info)) == ("rest", before)
    # Describes are cached by now: count, contact roles, grouped cases, members.
    assert below.api_calls == 4

    at = member_metrics(org["client"], org["store"], "Members", tmp_path / "b.csv", bulk_threshold=members)
    assert at.route == "bulk"
    assert _bulk_calls(info) >= before + 9  # three jobs: create, a poll and a page each
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_shared_opportunity_once_per_member(org: dict[str, Any], tmp_path: Path) -> None:
    """An opportunity shared by two members counts once for each, even with two roles on it."""
    out = tmp_path / "members.csv"
    member_metrics(org["client"], org["store"], "Members", out, route="bulk")
    rows = {row["contact_id"]: row for row in _read_csv(out)}
    first, second = rows[org["contacts"][0]], rows[org["contacts"][1]]
    synthetic_won = _sql(
        org["info"],
        'SELECT COUNT(*) FROM "OpportunityContactRole" r JOIN "Opportunity" o ON o."Id" = r."OpportunityId" '
        'WHERE r."ContactId" IN (?, ?) AND o."IsWon" = 1 AND o."Name" != ?',
        org["contacts"][0], org["contacts"][1], "Shared",
    )[0][0]  # fmt: skip
    assert synthetic_won == 0  # so the won figures below are the shared opportunity's alone
    assert (first["won_opportunities"], first["won_amount"]) == ("1", str(SHARED_AMOUNT))
    assert (second["won_opportunities"], second["won_amount"]) == ("1", str(SHARED_AMOUNT))
    assert int(first["primary_opportunities"]) >= 1
    assert (first["cases"], first["open_cases"]) == ("2", "1")


def test_lead_member_row(org: dict[str, Any], tmp_path: Path) -> None:
    """A lead member has its lead id, type Lead, its lead's last activity and no opportunities."""
    out = tmp_path / "members.csv"
    member_metrics(org["client"], org["store"], "Members", out, route="rest")
    rows = {row["lead_id"]: row for row in _read_csv(out) if row["lead_id"]}
    assert set(rows) == set(org["leads"])
    for lead_id, row in rows.items():
        (activity,) = _sql(org["info"], 'SELECT "LastActivityDate" FROM "Lead" WHERE "Id" = ?', lead_id)[0]
        assert (row["contact_id"], row["type"], row["last_activity_date"]) == ("", "Lead", activity or "")
        assert [row[c] for c in ("opportunities", "won_amount", "cases")] == ["0", "0", "0"]


def test_json_lines(org: dict[str, Any], tmp_path: Path) -> None:
    """A .jsonl path gets one JSON object per member, with typed values and the amount as text."""
    out = tmp_path / "members.jsonl"
    result = member_metrics(org["client"], org["store"], "Members", out, route="rest")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == result.rows == CONTACT_MEMBERS + LEAD_MEMBERS
    first = next(line for line in lines if line["contact_id"] == org["contacts"][0])
    assert list(first) == list(COLUMNS)
    assert first["won_amount"] == str(SHARED_AMOUNT)
    assert first["has_responded"] is False
    assert (first["cases"], first["open_cases"]) == (2, 1)


def test_bulk_fault_leaves_no_file(
    org: dict[str, Any], clean_faults: Any, no_wait_client: Any, tmp_path: Path
) -> None:
    """A Bulk results page that keeps failing raises a clear error and leaves no file behind."""
    clean_faults.state.faults.configure(
        {"seed": 1, "rules": [{"method": "GET", "path": "^/jobs/query/[^/]+/results", "fault": "INTERNAL_ERROR"}]}
    )
    out = tmp_path / "members.csv"
    with pytest.raises(SalesforceError, match="UNKNOWN_EXCEPTION") as raised:
        member_metrics(no_wait_client, org["store"], "Members", out, route="bulk")
    assert "/jobs/query/" in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_existing_file_kept_on_failure(
    org: dict[str, Any], clean_faults: Any, no_wait_client: Any, tmp_path: Path
) -> None:
    """A failed run leaves an earlier file at the path as it was."""
    out = tmp_path / "members.csv"
    out.write_text("earlier\n", encoding="utf-8")
    clean_faults.state.faults.configure(
        {"seed": 1, "rules": [{"method": "POST", "path": "^/jobs/query$", "fault": "INTERNAL_ERROR"}]}
    )
    with pytest.raises(SalesforceError, match="UNKNOWN_EXCEPTION"):
        member_metrics(no_wait_client, org["store"], "Members", out, route="bulk")
    assert out.read_text(encoding="utf-8") == "earlier\n"
    assert [p.name for p in tmp_path.iterdir()] == ["members.csv"]


def test_file_mode_like_open(org: dict[str, Any], tmp_path: Path) -> None:
    """The member file gets the permissions a plain open() gives, not owner-only ones."""
    reference = tmp_path / "reference.txt"
    reference.write_text("", encoding="utf-8")
    out = tmp_path / "members.csv"

    member_metrics(org["client"], org["store"], "Members", out, route="rest")

    assert out.stat().st_mode == reference.stat().st_mode


def test_missing_directory_no_calls(org: dict[str, Any], tmp_path: Path) -> None:
    """A path in a directory that does not exist fails before any API call, naming the path."""
    client = org["client"]
    before = client.api_calls
    out = tmp_path / "nowhere" / "members.csv"
    with pytest.raises(MemberFileError, match=r"cannot write the member file .*nowhere.*; choose a path"):
        member_metrics(client, org["store"], "Members", out)
    assert client.api_calls == before


def test_directory_as_path(org: dict[str, Any], tmp_path: Path) -> None:
    """A directory given as the file is rejected with the fix."""
    with pytest.raises(MemberFileError, match="it is a directory; give a file name"):
        member_metrics(org["client"], org["store"], "Members", tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"route": "fast"}, "route 'fast' is unknown; use one of auto, rest, bulk"),
        ({"bulk_threshold": 0}, "bulk_threshold 0 must be 1 or more"),
    ],
)
def test_bad_options(org: dict[str, Any], tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    """An unknown route or a threshold below 1 is rejected before anything is written."""
    with pytest.raises(ValueError, match=message):
        member_metrics(org["client"], org["store"], "Members", tmp_path / "m.csv", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_unknown_segment(org: dict[str, Any], tmp_path: Path) -> None:
    """An unknown segment is named in the error and no file is written."""
    with pytest.raises(SegmentNotFoundError, match="Nobody"):
        member_metrics(org["client"], org["store"], "Nobody", tmp_path / "m.csv")
    assert list(tmp_path.iterdir()) == []


class _FullDisk(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("name", ["members.csv", "members.jsonl"])
def test_disk_full_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """A failed write (the CSV header, or the first JSON line) raises and removes the temporary file."""

    def full_disk(handle: int, *args: Any, **kwargs: Any) -> io.StringIO:
        os.close(handle)
        return _FullDisk()

    monkeypatch.setattr(member_file.os, "fdopen", full_disk)
    row = dict.fromkeys(COLUMNS, 0)

    with (
        pytest.raises(MemberFileError, match="No space left on device; check the free space"),
        MemberFile(tmp_path / name, COLUMNS) as output,
    ):
        output.write(row)

    assert list(tmp_path.iterdir()) == []
