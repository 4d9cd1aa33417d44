"""Compile a rule document into one SOQL condition per target object."""

from __future__ import annotations

from dataclasses import dataclass, field

from sfseg.segments.criteria.metadata import MetadataCache
from sfseg.segments.criteria.paths import PathError, resolve_for_object, resolve_path
from sfseg.segments.criteria.problems import Problem
from sfseg.segments.criteria.rules import (
    AllRule,
    AnyRule,
    FieldRule,
    NotRule,
    RelatedRule,
    Rule,
)
from sfseg.segments.criteria.values import RULE_OPERATORS, check_operator, rule_value
from sfseg.soql import ast

__all__ = ["MAX_SEMI_JOINS", "compile_rule", "same_object_message"]

# Salesforce allows at most two IN / NOT IN subqueries in one WHERE clause.
MAX_SEMI_JOINS = 2


def same_object_message(sobject: str) -> str:
    """Return the problem text for a subquery on the query's own object, which Salesforce
    rejects with "The inner and outer selects should not be on the same object type"."""
    return (
        f"a subquery cannot select from {sobject}, the object the segment's query reads: "
        "Salesforce rejects inner and outer selects on the same object type; filter on a "
        f"field of {sobject} instead, or assign the ids from a file"
    )


@dataclass
class _Context:
    metadata: MetadataCache
    sobject: str
    mapped: bool
    problems: list[Problem] = field(default_factory=list)
    semi_joins: int = 0

    def report(self, location: str, message: str, suggestion: str | None = None) -> None:
        self.problems.append(Problem(location, message, suggestion))


def _field_rule(rule: FieldRule, location: str, ctx: _Context) -> ast.Condition | None:
    try:
        path = resolve_for_object(ctx.metadata, ctx.sobject, rule.field, mapped=ctx.mapped)
    except PathError as exc:
        ctx.report(f"{location}.field", str(exc), exc.suggestion)
        return None
    operator = RULE_OPERATORS[rule.op]
    reason = check_operator(path.field, operator, rule.op)
    if reason is not None:
        ctx.report(f"{location}.op", reason)
        return None
    value, issue = rule_value(path.field, rule.op, rule.value)
    if issue is not None or value is None:
        message, suggestion = issue or ("missing value", None)
        ctx.report(f"{location}.value", message, suggestion)
        return None
    return ast.Comparison(ast.FieldPath(path.parts), operator, value)


def _related(
    rule: RelatedRule, location: str, ctx: _Context, *, negated: bool
) -> ast.Condition | None:
    spec = rule.related
    where = f"{location}.related"
    ctx.semi_joins += 1
    if ctx.semi_joins > MAX_SEMI_JOINS:
        ctx.report(
            where, f"Salesforce allows at most {MAX_SEMI_JOINS} related conditions per query"
        )
        return None
    if ctx.metadata.get(spec.object) is None:
        ctx.report(f"{where}.object", f"object {spec.object} does not exist or is not accessible")
        return None
    if spec.object.lower() == ctx.sobject.lower():
        ctx.report(f"{where}.object", same_object_message(ctx.sobject))
        return None
    try:
        via = resolve_path(ctx.metadata, spec.object, spec.via)
    except PathError as exc:
        ctx.report(f"{where}.via", str(exc), exc.suggestion)
        return None
    targets = {name.lower() for name in via.field.reference_to}
    if len(via.parts) != 1 or ctx.sobject.lower() not in targets:
        points_at = ", ".join(via.field.reference_to) or via.field.type
        ctx.report(
            f"{where}.via",
            f"{spec.object}.{via.dotted} points at {points_at}, not {ctx.sobject}; "
            f"name a reference field of {spec.object} that points at {ctx.sobject}",
        )
        return None

    inner: ast.Condition | None = None
    if spec.match is not None:
        inner_ctx = _Context(ctx.metadata, via.sobject, mapped=False)
        inner = _walk(spec.match, f"{where}.match", inner_ctx, in_or=False, negated=False)
        ctx.problems.extend(inner_ctx.problems)
        if inner_ctx.semi_joins:
            ctx.report(
                f"{where}.match", "a related condition cannot contain another related condition"
            )
            return None
        if inner is None:
            return None
    subquery = ast.Query(
        select=(ast.SelectField(ast.FieldPath(via.parts)),),
        from_=ast.FromClause(ctx.metadata.get(spec.object).name),  # type: ignore[union-attr]
        where=inner,
    )
    operator: ast.ComparisonOperator = "NOT IN" if negated else "IN"
    return ast.Comparison(ast.FieldPath(("Id",)), operator, ast.SubQuery(subquery))


def _group(
    items: list[Rule], location: str, ctx: _Context, *, any_of: bool, negated: bool
) -> ast.Condition | None:
    key = "any" if any_of else "all"
    conditions = []
    failed = False
    for index, item in enumerate(items):
        condition = _walk(item, f"{location}.{key}[{index}]", ctx, in_or=any_of, negated=negated)
        if condition is None:
            failed = True
        else:
            conditions.append(condition)
    if failed:
        return None
    if len(conditions) == 1:
        return conditions[0]
    return ast.Or(tuple(conditions)) if any_of else ast.And(tuple(conditions))


def _walk(
    rule: Rule, location: str, ctx: _Context, *, in_or: bool, negated: bool
) -> ast.Condition | None:
    if isinstance(rule, FieldRule):
        return _field_rule(rule, location, ctx)
    if isinstance(rule, AllRule):
        return _group(rule.all, location, ctx, any_of=False, negated=False)
    if isinstance(rule, AnyRule):
        return _group(rule.any, location, ctx, any_of=True, negated=False)
    if isinstance(rule, NotRule):
        if isinstance(rule.not_, RelatedRule):
            if in_or:
                ctx.report(f"{location}.not", _OR_MESSAGE)
                return None
            return _related(rule.not_, f"{location}.not", ctx, negated=True)
        inner = _walk(rule.not_, f"{location}.not", ctx, in_or=in_or, negated=True)
        return None if inner is None else ast.Not(inner)
    if in_or or negated:
        ctx.report(location, _OR_MESSAGE if in_or else _NOT_MESSAGE)
        return None
    return _related(rule, location, ctx, negated=False)


_OR_MESSAGE = (
    "a related condition cannot sit inside `any` (Salesforce does not allow OR around "
    "a semi-join); move it into `all`"
)
_NOT_MESSAGE = (
    "a related condition can be negated only directly (`not: {related: ...}`), "
    "not inside a negated group"
)


def compile_rule(
    rule: Rule, metadata: MetadataCache, sobject: str, *, mapped: bool
) -> tuple[ast.Condition | None, list[Problem]]:
    """Compile `rule` for `sobject`; return the condition and the problems found."""
    ctx = _Context(metadata, sobject, mapped)
    condition = _walk(rule, "match", ctx, in_or=False, negated=False)
    return condition, ctx.problems
