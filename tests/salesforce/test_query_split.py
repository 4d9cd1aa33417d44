"""Splitting long IN lists: every value sent once, in order, and every URL under the limit."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfseg.salesforce import SalesforceClient
from sfseg.salesforce.query import split_in_query
from sfseg.soql import ast, parse, render

from .conftest import json_response

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)


def _in_values(query: ast.Query) -> list[str]:
    where = query.where
    assert isinstance(where, ast.Comparison)
    assert where.operator == "IN"
    assert isinstance(where.right, ast.ListValue)
    values = []
    for item in where.right.items:
        assert isinstance(item, ast.StringLiteral)
        values.append(item.value)
    return values


# make_client only builds clients; each example gets its own, so sharing the fixture is safe.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(TEXT, min_size=1, max_size=300, unique=True), limit=st.integers(min_value=1_000, max_value=4_000))
def test_split_covers_values_under_limit(make_client: Callable[..., SalesforceClient], values: list[str], limit: int) -> None:
    """The split queries carry each value once, in input order, and each URL fits the limit."""
    client = make_client(lambda request: json_response(200, {}), max_url_bytes=limit)
    base = parse("SELECT Id FROM Contact")
    queries = split_in_query(client, base, "LastName", values)
    sent = []
    for query in queries:
        text = render(query)
        url = httpx.URL(client.instance_url + client.data_path("query/"), params={"q": text})
        assert len(str(url).encode("ascii")) <= limit
        sent.extend(_in_values(parse(text)))
    assert sent == values
