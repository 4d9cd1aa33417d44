"""Check a parsed SOQL condition against describe metadata, and map it for `both`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sfseg.segments.criteria.metadata import FieldInfo, MetadataCache
from sfseg.segments.criteria.paths import PathError, resolve_for_object, resolve_path
from sfseg.segments.criteria.problems import Problem
from sfseg.segments.criteria.rulecompile import MAX_SEMI_JOINS, same_object_message
from sfseg.segments.criteria.values import check_literal, check_operator
from sfseg.soql import ast, render

__all__ = ["check_condition", "location_of"]

# Result type of each SOQL date function: DAY_ONLY returns a date, the others an integer.
# Salesforce rejects a value of another kind as it does on a field of that type.
_DATE_FUNCTION_TYPES = {
    "DAY_ONLY": "date",
    **dict.fromkeys(
        (
            "CALENDAR_MONTH",
            "CALENDAR_QUARTER",
            "CALENDAR_YEAR",
            "DAY_IN_MONTH",
            "DAY_IN_WEEK",
            "DAY_IN_YEAR",
            "FISCAL_MONTH",
            "FISCAL_QUARTER",
            "FISCAL_YEAR",
            "HOUR_IN_DAY",
            "WEEK_IN_MONTH",
            "WEEK_IN_YEAR",
        ),
        "int",
    ),
}


def location_of(position: ast.Position | None) -> str:
    """Return `row R, column C` for a position, the form Salesforce uses in query errors."""
    if position is None:
        return ""
    return f"row {position.line}, column {position.column}"


@dataclass
class _Context:
    metadata: MetadataCache
    sobject: str
    mapped: bool
    problems: list[Problem] = field(default_factory=list)
    semi_joins: int = 0

    def report(
        self,
        node: ast.FieldPath | ast.Comparison | ast.FunctionCall | None,
        message: str,
        suggestion: str | None = None,
    ) -> None:
        position = getattr(node, "position", None)
        self.problems.append(Problem(location_of(position), message, suggestion))


def _field_path(path: ast.FieldPath, ctx: _Context) -> tuple[ast.FieldPath, object] | None:
    try:
        resolved = resolve_for_object(ctx.metadata, ctx.sobject, path.dotted, mapped=ctx.mapped)
    except PathError as exc:
        ctx.report(path, str(exc), exc.suggestion)
        return None
    return ast.FieldPath(resolved.parts, path.position), resolved.field


def _function(call: ast.FunctionCall, ctx: _Context) -> ast.FunctionCall | None:
    args: list[ast.Expression | ast.Value] = []
    for arg in call.args:
        if isinstance(arg, ast.FieldPath):
            checked = _field_path(arg, ctx)
            if checked is None:
                return None
            args.append(checked[0])
        else:
            args.append(arg)
    return replace(call, args=tuple(args))


def _function_values_fit(call: ast.FunctionCall, comparison: ast.Comparison, ctx: _Context) -> bool:
    """Check the values compared with a date function against the type it returns."""
    result_type = _DATE_FUNCTION_TYPES.get(call.name.upper())
    if result_type is None:
        return True
    result = FieldInfo(render(call), result_type)
    right = comparison.right
    values = right.items if isinstance(right, ast.ListValue) else (right,)
    for value in values:
        if isinstance(value, ast.SubQuery):
            continue
        issue = check_literal(result, value, comparison.operator)
        if issue is not None:
            ctx.report(call, issue[0], issue[1])
            return False
    return True


def _semi_join(
    comparison: ast.Comparison, ctx: _Context, *, in_or: bool, negated: bool
) -> ast.Condition | None:
    assert isinstance(comparison.right, ast.SubQuery)
    if in_or or negated:
        ctx.report(comparison, "a semi-join or anti-join cannot sit under OR or NOT in Salesforce")
        return None
    ctx.semi_joins += 1
    if ctx.semi_joins > MAX_SEMI_JOINS:
        ctx.report(
            comparison, f"Salesforce allows at most {MAX_SEMI_JOINS} IN/NOT IN subqueries per WHERE"
        )
        return None
    if not isinstance(comparison.left, ast.FieldPath):
        ctx.report(comparison, "the left side of a semi-join must be an Id or reference field")
        return None
    left = _field_path(comparison.left, ctx)
    if left is None:
        return None
    left_path, left_field = left
    if getattr(left_field, "type", None) not in ("id", "reference"):
        ctx.report(comparison.left, "the left side of a semi-join must be an Id or reference field")
        return None

    query = comparison.right.query
    inner = _subquery(query, ctx, comparison)
    if inner is None:
        return None
    return ast.Comparison(left_path, comparison.operator, ast.SubQuery(inner), comparison.position)


def _subquery(query: ast.Query, ctx: _Context, comparison: ast.Comparison) -> ast.Query | None:
    sobject = ctx.metadata.get(query.from_.sobject)
    if sobject is None:
        message = f"object {query.from_.sobject} does not exist or is not accessible"
        ctx.problems.append(Problem(location_of(query.from_.position), message))
        return None
    if sobject.name.lower() == ctx.sobject.lower():
        ctx.problems.append(
            Problem(location_of(query.from_.position), same_object_message(ctx.sobject))
        )
        return None
    if (
        len(query.select) != 1
        or not isinstance(query.select[0], ast.SelectField)
        or not isinstance(query.select[0].expression, ast.FieldPath)
    ):
        ctx.report(comparison, "a semi-join subquery selects exactly one Id or reference field")
        return None
    selected = query.select[0].expression
    try:
        resolved = resolve_path(ctx.metadata, sobject.name, selected.dotted)
    except PathError as exc:
        ctx.report(selected, str(exc), exc.suggestion)
        return None
    if (
        ctx.mapped
        and resolved.field.type == "reference"
        and comparison.left == ast.FieldPath(("Id",))
    ):
        targets = {name.lower() for name in resolved.field.reference_to}
        if ctx.sobject.lower() not in targets:
            ctx.report(
                selected,
                f"{sobject.name}.{resolved.dotted} points at {', '.join(resolved.field.reference_to)}, "
                f"so this subquery has no counterpart on {ctx.sobject}",
            )
            return None
    inner_where = None
    if query.where is not None:
        inner_ctx = _Context(ctx.metadata, sobject.name, mapped=False)
        inner_where = _walk(query.where, inner_ctx, in_or=False, negated=False)
        ctx.problems.extend(inner_ctx.problems)
        if inner_ctx.semi_joins:
            ctx.report(comparison, "a semi-join subquery cannot contain another semi-join")
            return None
        if inner_where is None:
            return None
    return replace(
        query,
        select=(ast.SelectField(ast.FieldPath(resolved.parts, selected.position)),),
        from_=ast.FromClause(sobject.name, query.from_.alias, query.from_.position),
        where=inner_where,
    )


def _comparison(
    comparison: ast.Comparison, ctx: _Context, *, in_or: bool, negated: bool
) -> ast.Condition | None:
    if isinstance(comparison.right, ast.SubQuery):
        return _semi_join(comparison, ctx, in_or=in_or, negated=negated)
    if isinstance(comparison.left, ast.FunctionCall):
        call = _function(comparison.left, ctx)
        if call is None or not _function_values_fit(call, comparison, ctx):
            return None
        return replace(comparison, left=call)
    checked = _field_path(comparison.left, ctx)
    if checked is None:
        return None
    path, field_info = checked
    reason = check_operator(field_info, comparison.operator)  # type: ignore[arg-type]
    if reason is not None:
        ctx.report(comparison.left, reason)
        return None
    values = (
        comparison.right.items
        if isinstance(comparison.right, ast.ListValue)
        else (comparison.right,)
    )
    for value in values:
        issue = check_literal(field_info, value, comparison.operator)  # type: ignore[arg-type]
        if issue is not None:
            ctx.report(comparison.left, issue[0], issue[1])
            return None
    return replace(comparison, left=path)


def _walk(
    condition: ast.Condition, ctx: _Context, *, in_or: bool, negated: bool
) -> ast.Condition | None:
    if isinstance(condition, ast.Comparison):
        return _comparison(condition, ctx, in_or=in_or, negated=negated)
    if isinstance(condition, ast.Not):
        inner = _walk(condition.item, ctx, in_or=in_or, negated=True)
        return None if inner is None else ast.Not(inner)
    items = []
    failed = False
    for item in condition.items:
        checked = _walk(item, ctx, in_or=in_or or isinstance(condition, ast.Or), negated=negated)
        if checked is None:
            failed = True
        else:
            items.append(checked)
    if failed:
        return None
    return type(condition)(tuple(items))


def check_condition(
    condition: ast.Condition, metadata: MetadataCache, sobject: str, *, mapped: bool
) -> tuple[ast.Condition | None, list[Problem]]:
    """Check `condition` on `sobject`; return it with canonical names, and the problems."""
    ctx = _Context(metadata, sobject, mapped)
    checked = _walk(condition, ctx, in_or=False, negated=False)
    return checked, ctx.problems
