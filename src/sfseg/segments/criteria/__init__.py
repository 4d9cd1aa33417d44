"""Segment criteria: a SOQL WHERE clause, a full SOQL query, or a rule document.

`compile_criteria` checks the criteria against the org's describe metadata (fields,
relationship paths, operators per type, value types, picklist values) before anything
is written, and turns them into one canonical `SELECT Id FROM <object> WHERE ...` per
target object. Every problem is reported at once, each with its location: a rule path
such as `match.all[1].any[0]`, or the row and column in the SOQL text.
`preview` adds the match count per object (`SELECT COUNT()`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from sfseg.segments.criteria.metadata import MetadataCache
from sfseg.segments.criteria.problems import CriteriaError, Problem
from sfseg.segments.criteria.rulecompile import compile_rule
from sfseg.segments.criteria.rules import RuleDocument, load_rule_document
from sfseg.segments.criteria.soqlcheck import check_condition
from sfseg.soql import SoqlSyntaxError, ast, parse, parse_condition, render

__all__ = [
    "CompiledCriteria",
    "CriteriaError",
    "CriteriaKind",
    "MetadataCache",
    "Preview",
    "Problem",
    "Target",
    "compile_criteria",
    "count_matches",
    "count_query",
    "detect_kind",
    "preview",
]

Target = Literal["contact", "lead", "both"]
CriteriaKind = Literal["where", "soql", "rules"]

TARGET_OBJECTS: dict[str, tuple[str, ...]] = {
    "contact": ("Contact",),
    "lead": ("Lead",),
    "both": ("Contact", "Lead"),
}
_OBJECT_TARGETS = {"contact": "contact", "lead": "lead"}


@dataclass(frozen=True, slots=True)
class CompiledCriteria:
    """Checked criteria and their canonical SOQL condition per target object."""

    target: Target
    kind: CriteriaKind
    text: str
    conditions: Mapping[str, ast.Condition | None]

    @property
    def objects(self) -> tuple[str, ...]:
        return TARGET_OBJECTS[self.target]

    def query(self, sobject: str) -> ast.Query:
        """Return `SELECT Id FROM <sobject> WHERE <criteria>`."""
        return ast.Query(
            select=(ast.SelectField(ast.FieldPath(("Id",))),),
            from_=ast.FromClause(sobject),
            where=self.conditions[sobject],
        )

    def soql(self, sobject: str) -> str:
        return render(self.query(sobject))

    @property
    def soql_contact(self) -> str | None:
        return self.soql("Contact") if "Contact" in self.conditions else None

    @property
    def soql_lead(self) -> str | None:
        return self.soql("Lead") if "Lead" in self.conditions else None


@dataclass(frozen=True, slots=True)
class Preview:
    """The match count and canonical SOQL of each target object."""

    target: Target
    counts: Mapping[str, int]
    soql: Mapping[str, str]
    api_calls: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "counts": dict(self.counts),
            "total": self.total,
            "soql": dict(self.soql),
            "api_calls": self.api_calls,
        }


def detect_kind(criteria: str | Mapping[str, Any]) -> CriteriaKind:
    """Guess the criteria kind: a mapping or YAML/JSON with `match` is a rule document,
    text starting with SELECT is a full query, anything else is a WHERE clause."""
    if isinstance(criteria, Mapping):
        return "rules"
    stripped = criteria.lstrip()
    if stripped[:7].upper() == "SELECT " or stripped[:7].upper() == "SELECT\n":
        return "soql"
    if stripped.startswith("{") or "match:" in stripped or "match :" in stripped:
        try:
            data = yaml.safe_load(criteria)
        except yaml.YAMLError:
            return "where"
        if isinstance(data, dict) and "match" in data:
            return "rules"
    return "where"


def _metadata(source: MetadataCache | Any) -> MetadataCache:
    if isinstance(source, MetadataCache):
        return source
    describe: Callable[[str], Any] = source.describe if hasattr(source, "describe") else source
    return MetadataCache(describe)


def _syntax_problem(exc: SoqlSyntaxError) -> Problem:
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    location = f"row {line}, column {column}" if line is not None else ""
    message = getattr(exc, "message", None) or str(exc).splitlines()[0]
    return Problem(location, f"SOQL syntax error: {message}")


def _compile_rules(
    source: str | Mapping[str, Any], target: Target | None, metadata: MetadataCache
) -> tuple[Target, dict[str, ast.Condition | None], list[Problem]]:
    document: RuleDocument = load_rule_document(
        dict(source) if isinstance(source, Mapping) else source
    )
    chosen: Target = document.target
    if target is not None and target != document.target:
        if "target" in document.model_fields_set:
            message = f"the document's target is {document.target} but {target} was requested"
            raise CriteriaError([Problem("target", message)])
        chosen = target
    conditions: dict[str, ast.Condition | None] = {}
    problems: list[Problem] = []
    for sobject in TARGET_OBJECTS[chosen]:
        condition, found = compile_rule(document.match, metadata, sobject, mapped=chosen == "both")
        conditions[sobject] = condition
        problems.extend(problem for problem in found if problem not in problems)
    return chosen, conditions, problems


def _query_target(query: ast.Query, target: Target | None) -> Target:
    problems: list[Problem] = []
    position = query.from_.position
    where = f"row {position.line}, column {position.column}" if position else ""
    source_target = _OBJECT_TARGETS.get(query.from_.sobject.lower())
    if source_target is None:
        problems.append(
            Problem(
                where, f"segment queries select from Contact or Lead, not {query.from_.sobject}"
            )
        )
    for clause, present in (
        ("GROUP BY", query.group_by is not None),
        ("HAVING", query.having is not None),
        ("LIMIT", query.limit is not None),
        ("OFFSET", query.offset is not None),
    ):
        if present:
            problems.append(Problem(where, f"a segment is every matching record; remove {clause}"))
    if problems:
        raise CriteriaError(problems)
    assert source_target is not None
    if target is None or target == source_target:
        return source_target  # type: ignore[return-value]
    if target == "both":
        return "both"
    message = f"the query selects from {query.from_.sobject} but target {target} was requested"
    raise CriteriaError([Problem(where, message)])


def _compile_soql(
    text: str, kind: CriteriaKind, target: Target | None, metadata: MetadataCache
) -> tuple[Target, dict[str, ast.Condition | None], list[Problem]]:
    try:
        if kind == "soql":
            query = parse(text)
            chosen = _query_target(query, target)
            condition = query.where
        else:
            chosen = target or "contact"
            condition = parse_condition(text)
    except SoqlSyntaxError as exc:
        raise CriteriaError([_syntax_problem(exc)]) from exc
    conditions: dict[str, ast.Condition | None] = {}
    problems: list[Problem] = []
    for sobject in TARGET_OBJECTS[chosen]:
        if condition is None:
            conditions[sobject] = None
            continue
        checked, found = check_condition(condition, metadata, sobject, mapped=chosen == "both")
        conditions[sobject] = checked
        problems.extend(problem for problem in found if problem not in problems)
    return chosen, conditions, problems


def compile_criteria(
    criteria: str | Mapping[str, Any],
    *,
    metadata: MetadataCache | Any,
    target: Target | None = None,
    kind: CriteriaKind | None = None,
) -> CompiledCriteria:
    """Check criteria against describe metadata and compile them to canonical SOQL.

    Args:
        criteria: a WHERE clause, a full `SELECT ... FROM Contact|Lead` query, or a rule
            document (YAML/JSON text or a mapping).
        metadata: a `MetadataCache`, a client (its `describe` is used) or a describe function.
        target: contact, lead or both. None takes the rule document's target or the
            query's FROM object, and `contact` for a WHERE clause.
        kind: where, soql or rules; None detects it (`detect_kind`).

    Raises:
        CriteriaError: with every problem found and its location.
    """
    chosen_kind = kind or detect_kind(criteria)
    cache = _metadata(metadata)
    if chosen_kind == "rules":
        chosen, conditions, problems = _compile_rules(criteria, target, cache)
        text = (
            criteria
            if isinstance(criteria, str)
            else yaml.safe_dump(dict(criteria), sort_keys=False)
        )
    else:
        if not isinstance(criteria, str):
            msg = f"{chosen_kind} criteria must be text, not {type(criteria).__name__}"
            raise TypeError(msg)
        if not criteria.strip():
            raise CriteriaError(
                [Problem("", "the criteria are empty; give a WHERE clause, a query or rules")]
            )
        chosen, conditions, problems = _compile_soql(criteria, chosen_kind, target, cache)
        text = criteria
    if problems:
        raise CriteriaError(sorted(problems, key=_document_order))
    return CompiledCriteria(chosen, chosen_kind, text, conditions)


def _document_order(problem: Problem) -> list[tuple[int, int | str]]:
    # Natural order, so match.all[2] sorts before match.all[10] and row 2 before row 10.
    return [
        (0, int(part)) if part.isdigit() else (1, part)
        for part in re.split(r"(\d+)", problem.location)
    ]


def count_query(query: ast.Query) -> ast.Query:
    """Return `SELECT COUNT() FROM ...` with the same WHERE clause."""
    return ast.Query(
        select=(ast.SelectField(ast.FunctionCall("COUNT")),),
        from_=query.from_,
        where=query.where,
    )


def preview(
    client: Any,
    criteria: str | Mapping[str, Any] | CompiledCriteria,
    *,
    target: Target | None = None,
    kind: CriteriaKind | None = None,
) -> Preview:
    """Compile the criteria and count the matches per object with `SELECT COUNT()`.

    Costs one Composite call, plus one describe call per object this client has not
    described yet.
    """
    calls_before = client.api_calls
    compiled = (
        criteria
        if isinstance(criteria, CompiledCriteria)
        else compile_criteria(criteria, metadata=client, target=target, kind=kind)
    )
    counts = count_matches(client, compiled)
    soql = {sobject: compiled.soql(sobject) for sobject in compiled.objects}
    return Preview(compiled.target, counts, soql, client.api_calls - calls_before)


def count_matches(client: Any, compiled: CompiledCriteria) -> dict[str, int]:
    """Count the matches of each target object with `SELECT COUNT()`, in one Composite call."""
    from sfseg.salesforce.composite import CompositeBuilder

    batch = CompositeBuilder(client)
    for sobject in compiled.objects:
        batch.add_query(f"count{sobject}", count_query(compiled.query(sobject)))
    answers = batch.execute()
    counts = {}
    for sobject in compiled.objects:
        answer = answers[f"count{sobject}"]
        error = answer.error("GET", f"composite:count{sobject}")
        if error is not None:
            raise error
        counts[sobject] = int(answer.body["totalSize"])
    return counts
