"""Criteria: compiled to canonical SOQL, and every problem reported with its location.

Metadata comes from the sandbox org's describe documents, the same JSON the REST
describe resource returns.
"""

from __future__ import annotations

from typing import Any

import pytest

from sfseg.salesforce.errors import InvalidTypeError
from sfseg.sandbox.metadata import RecordError
from sfseg.sandbox.org import Org
from sfseg.segments.criteria import (
    CriteriaError,
    MetadataCache,
    Problem,
    compile_criteria,
    detect_kind,
)
from sfseg.segments.criteria.rulecompile import same_object_message
from sfseg.segments.criteria.rules import load_rule_document

API_VERSION = "66.0"


@pytest.fixture(scope="module")
def metadata() -> MetadataCache:
    org = Org.open(seed="empty")

    def describe(sobject: str) -> dict[str, Any]:
        try:
            return org.describe(sobject, API_VERSION)
        except RecordError as exc:
            raise InvalidTypeError(str(exc), status=400, error_code="INVALID_TYPE") from exc

    return MetadataCache(describe)


def _problems(criteria: Any, metadata: MetadataCache, **options: Any) -> list[str]:
    with pytest.raises(CriteriaError) as caught:
        compile_criteria(criteria, metadata=metadata, **options)
    return [str(problem) for problem in caught.value.problems]


ISSUE_EXAMPLE = """
target: contact
match:
  all:
    - {field: MailingCountry, op: eq, value: United States}
    - any:
        - {field: Account.Industry, op: in, value: [Banking, Insurance]}
        - {field: LeadSource, op: eq, value: Web}
    - {field: CreatedDate, op: gte, value: LAST_N_DAYS:365}
    - related: {object: Opportunity, via: ContactId,
                match: {all: [{field: IsWon, op: eq, value: true}]}}
"""


@pytest.mark.parametrize(
    ("criteria", "target", "expected"),
    [
        (
            "mailingcountry = 'US' AND account.industry IN ('Banking','Insurance')",
            "contact",
            {
                "Contact": "SELECT Id FROM Contact WHERE MailingCountry = 'US' AND Account.Industry IN ('Banking','Insurance')"
            },
        ),
        (
            "MailingCountry = 'US' AND (Title LIKE 'VP%' OR LeadSource = 'Web')",
            "both",
            {
                "Contact": "SELECT Id FROM Contact WHERE MailingCountry = 'US' AND (Title LIKE 'VP%' OR LeadSource = 'Web')",
                "Lead": "SELECT Id FROM Lead WHERE Country = 'US' AND (Title LIKE 'VP%' OR LeadSource = 'Web')",
            },
        ),
        (
            "Country = 'DE' AND Industry = 'Banking' AND Company = 'Acme'",
            "both",
            {
                "Contact": "SELECT Id FROM Contact WHERE MailingCountry = 'DE' AND Account.Industry = 'Banking' AND Account.Name = 'Acme'",
                "Lead": "SELECT Id FROM Lead WHERE Country = 'DE' AND Industry = 'Banking' AND Company = 'Acme'",
            },
        ),
        (
            "SELECT Id, Name FROM Lead WHERE Rating = 'Hot' ORDER BY Name",
            None,
            {"Lead": "SELECT Id FROM Lead WHERE Rating = 'Hot'"},
        ),
        (
            "Id IN (SELECT ContactId FROM Opportunity WHERE IsWon = true) AND Email != null",
            "contact",
            {
                "Contact": "SELECT Id FROM Contact WHERE Id IN (SELECT ContactId FROM Opportunity WHERE IsWon = true) AND Email != null"
            },
        ),
        (
            "Id IN (SELECT WhoId FROM Task WHERE ActivityDate = LAST_N_DAYS:90)",
            "both",
            {
                "Contact": "SELECT Id FROM Contact WHERE Id IN (SELECT WhoId FROM Task WHERE ActivityDate = LAST_N_DAYS:90)",
                "Lead": "SELECT Id FROM Lead WHERE Id IN (SELECT WhoId FROM Task WHERE ActivityDate = LAST_N_DAYS:90)",
            },
        ),
        (
            ISSUE_EXAMPLE,
            None,
            {
                "Contact": "SELECT Id FROM Contact WHERE MailingCountry = 'United States' AND "
                "(Account.Industry IN ('Banking','Insurance') OR LeadSource = 'Web') AND "
                "CreatedDate >= LAST_N_DAYS:365 AND Id IN (SELECT ContactId FROM Opportunity WHERE IsWon = true)"
            },
        ),
        (
            {
                "target": "both",
                "match": {
                    "all": [
                        {"field": "MailingState", "op": "in", "value": ["CA", "NY"]},
                        {
                            "not": {
                                "any": [
                                    {"field": "DoNotCall", "op": "eq", "value": True},
                                    {"field": "Email", "op": "is_null"},
                                ]
                            }
                        },
                        {
                            "not": {
                                "related": {
                                    "object": "Task",
                                    "via": "WhoId",
                                    "match": {
                                        "field": "Subject",
                                        "op": "contains",
                                        "value": "50%_off",
                                    },
                                }
                            }
                        },
                        {"field": "Title", "op": "starts_with", "value": "VP"},
                    ]
                },
            },
            None,
            {
                "Contact": "SELECT Id FROM Contact WHERE MailingState IN ('CA','NY') AND "
                "NOT (DoNotCall = true OR Email = null) AND "
                "Id NOT IN (SELECT WhoId FROM Task WHERE Subject LIKE '%50\\%\\_off%') AND Title LIKE 'VP%'",
                "Lead": "SELECT Id FROM Lead WHERE State IN ('CA','NY') AND "
                "NOT (DoNotCall = true OR Email = null) AND "
                "Id NOT IN (SELECT WhoId FROM Task WHERE Subject LIKE '%50\\%\\_off%') AND Title LIKE 'VP%'",
            },
        ),
        (
            {
                "target": "lead",
                "match": {
                    "all": [
                        {"field": "NumberOfEmployees", "op": "gte", "value": 50},
                        {"field": "AnnualRevenue", "op": "lt", "value": "1000000.50"},
                        {"field": "ConvertedDate", "op": "lte", "value": "2024-06-30"},
                        {"field": "CreatedDate", "op": "gt", "value": "2024-01-01T00:00:00Z"},
                    ]
                },
            },
            None,
            {
                "Lead": "SELECT Id FROM Lead WHERE NumberOfEmployees >= 50 AND AnnualRevenue < 1000000.50 "
                "AND ConvertedDate <= 2024-06-30 AND CreatedDate > 2024-01-01T00:00:00Z"
            },
        ),
    ],
)
def test_compiles_to_canonical_soql(
    metadata: MetadataCache, criteria: Any, target: Any, expected: dict[str, str]
) -> None:
    """Each kind of criteria becomes one canonical SELECT Id per object, names as describe spells them."""
    compiled = compile_criteria(criteria, metadata=metadata, target=target)
    assert {sobject: compiled.soql(sobject) for sobject in compiled.objects} == expected


@pytest.mark.parametrize(
    ("criteria", "target", "expected"),
    [
        (
            "MailingCountri = 'US' AND LeadSource = 'Webb'",
            "contact",
            [
                "row 1, column 1: Contact has no field MailingCountri; did you mean 'MailingCountry'?",
                "row 1, column 27: 'Webb' is not a value of picklist LeadSource (to match a stored value outside the picklist, use like); did you mean 'Web'?",
            ],
        ),
        (
            "CreatedDate > 2024-01-01\n  AND NumberOfEmployees > 10\n  AND Account.Industri = 'Banking'",
            "contact",
            [
                "row 1, column 1: CreatedDate is a datetime: use YYYY-MM-DDThh:mm:ssZ with a time zone (2024-01-01T00:00:00Z is midnight UTC) or a relative date such as LAST_N_DAYS:30, not 2024-01-01",
                "row 2, column 7: Contact has no field NumberOfEmployees; did you mean 'Account.NumberOfEmployees'?",
                "row 3, column 7: Account has no field Industri; did you mean 'Industry'?",
            ],
        ),
        (
            "Description = 'x'",
            "contact",
            [
                "row 1, column 1: Contact.Description cannot be used in a filter (it is not filterable)"
            ],
        ),
        (
            "Email LIKE 'a%' AND HasOptedOutOfEmail = 'yes'",
            "contact",
            ["row 1, column 21: HasOptedOutOfEmail is boolean: use true or false"],
        ),
        (
            "DoNotCall > true",
            "lead",
            ["row 1, column 1: > cannot compare boolean field DoNotCall; use eq or ne"],
        ),
        (
            "AccountId = 'not-an-id'",
            "contact",
            ["row 1, column 1: 'not-an-id' is not a Salesforce id for AccountId"],
        ),
        (
            "Department = 'IT'",
            "both",
            [
                "row 1, column 1: Department has no counterpart on Lead (Lead has no field Department)"
            ],
        ),
        (
            "Id IN (SELECT ContactId FROM Opportunity) OR Email = null",
            "contact",
            [
                "row 1, column 1: SOQL syntax error: Semi join sub-selects are not allowed with the 'OR' operator"
            ],
        ),
        (
            "Id IN (SELECT ContactId FROM Opportunity)",
            "both",
            [
                "row 1, column 15: Opportunity.ContactId points at Contact, so this subquery has no counterpart on Lead"
            ],
        ),
        (
            "SELECT Id FROM Account",
            None,
            ["row 1, column 16: segment queries select from Contact or Lead, not Account"],
        ),
        (
            "SELECT Id FROM Contact LIMIT 5",
            None,
            ["row 1, column 16: a segment is every matching record; remove LIMIT"],
        ),
        (
            "SELECT Id FROM Lead",
            "contact",
            ["row 1, column 16: the query selects from Lead but target contact was requested"],
        ),
        (
            "Name = 'x' AND AND",
            "contact",
            ["row 1, column 16: SOQL syntax error: unexpected token: 'AND'"],
        ),
        ("   ", "contact", ["the criteria are empty; give a WHERE clause, a query or rules"]),
    ],
)
def test_soql_problems_have_row_and_column(
    metadata: MetadataCache, criteria: str, target: Any, expected: list[str]
) -> None:
    """A bad WHERE clause or query is reported at the row and column of each fault."""
    assert _problems(criteria, metadata, target=target) == expected


BAD_RULES = """
target: both
match:
  all:
    - {field: MailingCountry, op: eq, value: United States}
    - {field: Department, op: eq, value: IT}
    - any:
        - {field: Account.Industry, op: in, value: [Bankng, Insurance]}
        - {field: LeadSource, op: includes, value: [Web]}
        - related: {object: Opportunity, via: ContactId}
    - {field: CreatedDate, op: gte, value: 2024-01-01}
    - {field: NumberOfEmployees, op: gt, value: 1.5}
    - {field: Email, op: is_null, value: x}
    - {field: IsWon, op: eq, value: true}
    - related: {object: Opportunity, via: ContactId}
"""


def test_rule_problems_have_paths(metadata: MetadataCache) -> None:
    """Every problem of a rule document is reported at once, at its rule path, in document order."""
    assert _problems(BAD_RULES, metadata) == [
        "match.all[1].field: Department has no counterpart on Lead (Lead has no field Department)",
        "match.all[2].any[0].value: 'Bankng' is not a value of picklist Industry (to match a stored value outside the picklist, use like); did you mean 'Banking'?",
        "match.all[2].any[1].op: includes needs a multi-select picklist, and LeadSource is picklist",
        "match.all[2].any[2]: a related condition cannot sit inside `any` (Salesforce does not allow OR around a semi-join); move it into `all`",
        "match.all[3].value: CreatedDate is a datetime: use YYYY-MM-DDThh:mm:ssZ with a time zone (2024-01-01T00:00:00Z is midnight UTC) or a relative date such as LAST_N_DAYS:30, not 2024-01-01",
        "match.all[4].value: NumberOfEmployees is an integer field; 1.5 has a fraction",
        "match.all[5].value: is_null takes no value; remove 'x'",
        "match.all[6].field: Contact has no field IsWon",
        "match.all[6].field: Lead has no field IsWon",
        "match.all[7].related.via: Opportunity.ContactId points at Contact, not Lead; name a reference field of Opportunity that points at Lead",
    ]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            "match: {fild: Email, op: eq}",
            [
                "match.field: `field` is missing from this rule",
                "match.fild: unexpected key `fild`: a rule has exactly one of all, any, not, "
                "related, or field with op (and value); put other conditions in rules of their own",
            ],
        ),
        ("match: {all: [{field: Email, op: equals, value: a}]}", None),
        (
            "match: {all: [{foo: 1}]}",
            ["match.all[0]: a rule needs one of the keys all, any, not, related, or field with op"],
        ),
        (
            "match: {all: []}",
            ["match.all: List should have at least 1 item after validation, not 0"],
        ),
        ("target: everyone\nmatch: {field: Email, op: is_null}", None),
        ("match: {all: [a, b", None),
        ("- just a list", ["a rule document is a mapping with `match` (and optionally `target`)"]),
        (
            "match: {not: {related: {object: Opportunity}}}",
            ["match.not.related.via: `via` is missing from this rule"],
        ),
    ],
)
def test_rule_document_shape(document: str, expected: list[str] | None) -> None:
    """A malformed rule document is rejected before any describe call, with the path of each fault."""
    with pytest.raises(CriteriaError) as caught:
        load_rule_document(document)
    found = [str(problem) for problem in caught.value.problems]
    if expected is not None:
        assert found == expected
    else:
        assert len(found) == 1


def test_rule_operator_problem_location() -> None:
    """An unknown operator is reported at the op key of its rule, naming it and the
    operators there are."""
    with pytest.raises(CriteriaError) as caught:
        load_rule_document("match: {all: [{field: Email, op: equals, value: a}]}")
    problem = caught.value.problems[0]
    assert problem.location == "match.all[0].op"
    assert problem.message.startswith("'equals' is not valid here; use 'eq', 'ne'")


def test_yaml_syntax_error_location() -> None:
    """Broken YAML is reported at its row and column."""
    with pytest.raises(CriteriaError) as caught:
        load_rule_document("match:\n  all: [a, b\n")
    assert caught.value.problems[0].location.startswith("row ")


def test_deep_nesting(metadata: MetadataCache) -> None:
    """all/any/not nest to any depth."""
    rule: dict[str, Any] = {"field": "Email", "op": "not_null"}
    for depth in range(30):
        rule = {"not": rule} if depth % 3 == 0 else {"all" if depth % 2 else "any": [rule]}
    compiled = compile_criteria({"match": rule}, metadata=metadata)
    assert compiled.soql("Contact").count("NOT") == 10
    assert "Email != null" in compiled.soql("Contact")


def test_three_related_rejected(metadata: MetadataCache) -> None:
    """Salesforce takes at most two semi-joins in one WHERE clause."""
    related = {"related": {"object": "Case", "via": "ContactId"}}
    assert _problems({"match": {"all": [related, related, related]}}, metadata) == [
        "match.all[2].related: Salesforce allows at most 2 related conditions per query"
    ]


def test_unknown_related_object(metadata: MetadataCache) -> None:
    """A related object that does not exist is reported at its object key."""
    assert _problems(
        {"match": {"related": {"object": "Invoice__c", "via": "Contact__c"}}}, metadata
    ) == ["match.related.object: object Invoice__c does not exist or is not accessible"]


def test_target_conflict(metadata: MetadataCache) -> None:
    """A document's own target wins over nothing, and a contradicting request is an error."""
    assert _problems(
        "target: lead\nmatch: {field: Email, op: is_null}", metadata, target="contact"
    ) == ["target: the document's target is lead but contact was requested"]
    compiled = compile_criteria(
        "match: {field: Email, op: is_null}", metadata=metadata, target="lead"
    )
    assert compiled.objects == ("Lead",)


@pytest.mark.parametrize(
    ("criteria", "kind"),
    [
        ("MailingCountry = 'US'", "where"),
        ("select Id from Contact", "soql"),
        ("target: lead\nmatch: {field: Email, op: is_null}", "rules"),
        ('{"match": {"field": "Email", "op": "is_null"}}', "rules"),
        ({"match": {"field": "Email", "op": "is_null"}}, "rules"),
        ("Description = 'match: x'", "where"),
    ],
)
def test_detect_kind(criteria: Any, kind: str) -> None:
    """The kind is detected by shape: mapping or YAML with match, SELECT, else WHERE."""
    assert detect_kind(criteria) == kind


def test_problems_name_their_file() -> None:
    """A rule file's problems can carry the file's path before each location."""
    error = CriteriaError([Problem("match.all[0]", "Contact has no field Bogus"), Problem("", "empty")])
    named = error.in_source("rules.yaml")
    assert [str(problem) for problem in named.problems] == [
        "rules.yaml, match.all[0]: Contact has no field Bogus",
        "rules.yaml: empty",
    ]


def test_related_same_object_rejected(metadata: MetadataCache) -> None:
    """A related condition on the target object itself is reported at its object key,
    because Salesforce rejects a subquery on the outer query's own object."""
    problems = _problems(
        {"match": {"related": {"object": "Contact", "via": "ReportsToId"}}}, metadata
    )
    assert len(problems) == 1
    assert problems[0].startswith("match.related.object: a subquery cannot select from Contact")


def test_soql_same_object_subquery_rejected(metadata: MetadataCache) -> None:
    """A WHERE clause with a subquery on its own object is reported at the subquery's FROM."""
    problems = _problems("Id IN (SELECT ReportsToId FROM Contact)", metadata)
    assert problems == [f"row 1, column 32: {same_object_message('Contact')}"]


def test_related_other_object_on_both_targets(metadata: MetadataCache) -> None:
    """For target both, a related Contact condition is rejected on Contact only."""
    problems = _problems(
        {"target": "both", "match": {"related": {"object": "Contact", "via": "ReportsToId"}}},
        metadata,
    )
    assert any("cannot select from Contact" in problem for problem in problems)
    assert not any("cannot select from Lead" in problem for problem in problems)
