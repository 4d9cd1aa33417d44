"""The indexes the engine creates, and that SQLite uses them for case-insensitive lookups."""

from __future__ import annotations

from sfseg.sandbox.org import Org
from sfseg.sandbox.query import QueryEngine
from sfseg.sandbox.query.plan import CountPlan, RecordPlan
from tests.sandbox.test_query_org import QueryOrg, query_org

__all__ = ["query_org"]


def query_plan(query_org: QueryOrg, sql: str) -> str:
    rows = query_org.org.store.connection.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    return " | ".join(row[3] for row in rows)


def test_email_lookup_uses_nocase_index(query_org: QueryOrg) -> None:
    """Email = and Email IN search the NOCASE index instead of scanning."""
    for where in ("Email = 'JOHN@example.org'", "Email IN ('john@EXAMPLE.org', 'x@y.z')"):
        plan = query_org.engine.compile(f"SELECT Id FROM Contact WHERE {where}")
        assert isinstance(plan, RecordPlan)
        assert "USING INDEX qx_Contact_Email_nocase" in query_plan(query_org, plan.count_sql())
        assert query_org.values(f"SELECT LastName FROM Contact WHERE {where}", "LastName") == [
            "smith"
        ]


def test_prefix_like_uses_nocase_index(query_org: QueryOrg) -> None:
    """LIKE 'prefix%' on a looked-up text field searches the NOCASE index."""
    plan = query_org.engine.compile("SELECT Id FROM Contact WHERE Email LIKE 'JO%'")
    assert isinstance(plan, RecordPlan)
    assert "USING INDEX qx_Contact_Email_nocase" in query_plan(query_org, plan.count_sql())
    assert query_org.values("SELECT LastName FROM Contact WHERE Email LIKE 'JO%'", "LastName") == [
        "smith"
    ]


def test_live_count_uses_deleted_index(query_org: QueryOrg) -> None:
    """The unfiltered live count reads deleted rows from their partial index."""
    plan = query_org.engine.compile("SELECT COUNT() FROM Contact")
    assert isinstance(plan, CountPlan)
    assert "qx_Contact_deleted" in query_plan(query_org, plan.sql)


def test_indexes_are_optional() -> None:
    """create_indexes=False leaves the schema alone, and queries still work."""
    org = Org.open()
    QueryEngine(org, create_indexes=False)
    names = {
        row[0]
        for row in org.store.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'"
        )
    }
    assert not any(name.startswith("qx_") for name in names)
    QueryEngine(org)
    names = {
        row[0]
        for row in org.store.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'"
        )
    }
    assert "qx_Contact_Email_nocase" in names
    org.close()
