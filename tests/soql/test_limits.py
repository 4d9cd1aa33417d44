"""Deep nesting stays inside the parser's limit, and parsing is safe across threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sfseg.soql import ast, parse, render, walk
from tests.soql.cases import VALID


def test_deepest_accepted_nesting_renders() -> None:
    """A condition just inside the depth limit parses, renders and walks."""
    statement = "SELECT Id FROM A WHERE " + "NOT (" * 147 + "A = 1" + ")" * 147
    query = parse(statement)

    assert parse(render(query)) == query
    assert [path.dotted for path in walk.field_paths(query)] == ["Id", "A"]


def test_long_flat_condition_parses() -> None:
    """Thousands of ANDed comparisons are flat, not deep, so they parse."""
    statement = "SELECT Id FROM A WHERE " + " AND ".join(f"F{i} = {i}" for i in range(3000))
    query = parse(statement)

    assert isinstance(query.where, ast.And)
    assert len(query.where.items) == 3000
    assert render(query) == statement


def test_parse_from_many_threads() -> None:
    """Threads parsing at once get the same trees as one thread parsing alone."""
    statements = [statement for statement, _ in VALID] * 4
    expected = [parse(statement) for statement in statements]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(parse, statements))

    assert results == expected
