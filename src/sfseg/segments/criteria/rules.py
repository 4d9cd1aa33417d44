"""The rule document: segment criteria for people who prefer not to write SOQL.

    target: contact            # contact | lead | both
    match:
      all:
        - {field: MailingCountry, op: eq, value: United States}
        - any:
            - {field: Account.Industry, op: in, value: [Banking, Insurance]}
            - {field: LeadSource, op: eq, value: Web}
        - not: {field: Email, op: is_null}
        - related: {object: Opportunity, via: ContactId,
                    match: {all: [{field: IsWon, op: eq, value: true}]}}

A rule is one of `all` (every rule), `any` (at least one), `not` (negation),
`related` (a record of another object whose `via` field points at the person matches:
a semi-join, or an anti-join under `not`), or a field comparison `{field, op, value}`.
Nesting depth is unlimited.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
)

from sfseg.segments.criteria.problems import CriteriaError, Problem

__all__ = [
    "AllRule",
    "AnyRule",
    "FieldRule",
    "NotRule",
    "Operator",
    "RelatedRule",
    "RelatedSpec",
    "Rule",
    "RuleDocument",
    "load_rule_document",
]

Operator = Literal[
    "eq",
    "ne",
    "lt",
    "lte",
    "gt",
    "gte",
    "in",
    "not_in",
    "like",
    "starts_with",
    "contains",
    "includes",
    "excludes",
    "is_null",
    "not_null",
]

_STRICT = ConfigDict(extra="forbid", populate_by_name=True)
_RULE_KEYS = ("all", "any", "not", "related")
_TAGS = frozenset({*_RULE_KEYS, "field"})


def _rule_kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return _MODEL_TAGS.get(type(value))
    if not isinstance(value, dict):
        return None
    for key in _RULE_KEYS:
        if key in value:
            return key
    if "field" in value or "op" in value:
        return "field"
    return None


class FieldRule(BaseModel):
    """Compare one field (or relationship path such as `Account.Industry`) with a value."""

    model_config = _STRICT

    field: str = Field(min_length=1)
    op: Operator
    value: Any = None


class AllRule(BaseModel):
    model_config = _STRICT

    all: list[Rule] = Field(min_length=1)


class AnyRule(BaseModel):
    model_config = _STRICT

    any: list[Rule] = Field(min_length=1)


class NotRule(BaseModel):
    model_config = _STRICT

    not_: Rule = Field(alias="not")


class RelatedSpec(BaseModel):
    """Records of `object` whose `via` reference field points at the person."""

    model_config = _STRICT

    object: str = Field(min_length=1)
    via: str = Field(min_length=1)
    match: Rule | None = None


class RelatedRule(BaseModel):
    model_config = _STRICT

    related: RelatedSpec


Rule = Annotated[
    Annotated[AllRule, Tag("all")]
    | Annotated[AnyRule, Tag("any")]
    | Annotated[NotRule, Tag("not")]
    | Annotated[RelatedRule, Tag("related")]
    | Annotated[FieldRule, Tag("field")],
    Discriminator(
        _rule_kind,
        custom_error_type="invalid_rule",
        custom_error_message=(
            "a rule needs one of the keys all, any, not, related, or field with op"
        ),
    ),
]

_MODEL_TAGS: dict[type[BaseModel], str] = {
    AllRule: "all",
    AnyRule: "any",
    NotRule: "not",
    RelatedRule: "related",
    FieldRule: "field",
}


class RuleDocument(BaseModel):
    """A whole rule document: the target object(s) and the rule to match."""

    model_config = ConfigDict(extra="forbid")

    target: Literal["contact", "lead", "both"] = "contact"
    match: Rule


for _model in (AllRule, AnyRule, NotRule, RelatedSpec, RelatedRule, RuleDocument):
    _model.model_rebuild()


def _problems_from(error: ValidationError) -> list[Problem]:
    problems = []
    for entry in error.errors():
        location = _clean_location(entry["loc"])
        problems.append(Problem(location, _message(entry, location)))
    return problems


def _message(entry: Any, location: str) -> str:
    """Word a validation error in the rule document's own terms, naming the bad value."""
    key = location.rsplit(".", 1)[-1]
    value = entry.get("input")
    kind = entry["type"]
    if kind == "missing":
        return f"`{key}` is missing from this rule"
    if kind == "extra_forbidden":
        return (
            f"unexpected key `{key}`: a rule has exactly one of all, any, not, related, "
            "or field with op (and value); put other conditions in rules of their own"
        )
    if kind in ("literal_error", "enum"):
        expected = entry.get("ctx", {}).get("expected", "")
        return f"{value!r} is not valid here; use {expected}"
    if isinstance(value, str | int | float | bool):
        return f"{entry['msg']} (got {value!r})"
    return str(entry["msg"])


def _clean_location(loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into a rule path such as `match.all[1].any[0].op`.

    A discriminated union puts its tag (all, any, not, related, field) right after each
    place that holds a rule: after `match`, after `not`, and after a list index. The tag is
    dropped, so the path names only what the user wrote.
    """
    path = ""
    previous: int | str | None = None
    for item in loc:
        at_rule = isinstance(previous, int) or previous in ("match", "not", "not_")
        if at_rule and item in _TAGS:
            previous = "tag"
            continue
        if isinstance(item, int):
            path += f"[{item}]"
        else:
            name = "not" if item == "not_" else str(item)
            path += f".{name}" if path else name
        previous = item
    return path


def _parse_text(text: str) -> Any:
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            location = f"row {exc.lineno}, column {exc.colno}"
            raise CriteriaError([Problem(location, f"invalid JSON: {exc.msg}")]) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        location = f"row {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CriteriaError([Problem(location, f"invalid YAML: {problem}")]) from exc


def load_rule_document(source: str | dict[str, Any]) -> RuleDocument:
    """Parse and check the shape of a rule document given as YAML/JSON text or a mapping.

    Raises:
        CriteriaError: the text is not YAML/JSON, or the document's shape is wrong;
            every problem carries its rule path.
    """
    data = _parse_text(source) if isinstance(source, str) else source
    if not isinstance(data, dict):
        raise CriteriaError(
            [Problem("", "a rule document is a mapping with `match` (and optionally `target`)")]
        )
    try:
        return RuleDocument.model_validate(data)
    except ValidationError as exc:
        raise CriteriaError(_problems_from(exc)) from exc
