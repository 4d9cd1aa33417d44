"""Query errors: Salesforce's errorCode, message and caret excerpt for each kind of mistake."""

from __future__ import annotations

import pytest

from sfseg.sandbox.query import QueryError
from tests.sandbox.test_query_org import QueryOrg, query_org

__all__ = ["query_org"]

FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the "
    "custom field name. Please reference your WSDL or the describe call for the appropriate names."
)
RELATIONSHIP_HINT = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after the "
    "custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
)


def query_error(query_org: QueryOrg, soql: str) -> QueryError:
    with pytest.raises(QueryError) as caught:
        query_org.query(soql)
    return caught.value


def test_unknown_field_echoes_query_with_caret(query_org: QueryOrg) -> None:
    """INVALID_FIELD quotes the statement, marks the column and names row and column."""
    error = query_error(query_org, "SELECT Id, Foo FROM Contact")
    assert error.error_code == "INVALID_FIELD"
    assert error.http_status == 400
    assert error.message == (
        "\nSELECT Id, Foo FROM Contact\n           ^\nERROR at Row:1:Column:12\n"
        f"No such column 'Foo' on entity 'Contact'. {FIELD_HINT}"
    )


def test_unknown_field_on_second_row(query_org: QueryOrg) -> None:
    """The excerpt is the line holding the error, and the row counts lines."""
    error = query_error(query_org, "SELECT Id\nFROM Contact\nWHERE Bogus__c = 'x'")
    assert error.message.startswith("\nWHERE Bogus__c = 'x'\n      ^\nERROR at Row:3:Column:7\n")
    assert error.message.endswith(f"No such column 'Bogus__c' on entity 'Contact'. {FIELD_HINT}")


def test_unknown_parent_field_names_parent_entity(query_org: QueryOrg) -> None:
    """An unknown field behind a relationship names the parent object."""
    error = query_error(query_org, "SELECT Account.Nope FROM Contact")
    assert error.error_code == "INVALID_FIELD"
    assert error.message.endswith(f"No such column 'Nope' on entity 'Account'. {FIELD_HINT}")


def test_unknown_relationship(query_org: QueryOrg) -> None:
    """An unknown relationship raises "Didn't understand relationship"."""
    error = query_error(query_org, "SELECT Acount.Name FROM Contact")
    assert error.error_code == "INVALID_FIELD"
    assert error.message == (
        "\nSELECT Acount.Name FROM Contact\n       ^\nERROR at Row:1:Column:8\n"
        f"Didn't understand relationship 'Acount' in field path. {RELATIONSHIP_HINT}"
    )


def test_unknown_child_relationship(query_org: QueryOrg) -> None:
    """An unknown child relationship in a subquery is named in the FROM clause message."""
    error = query_error(query_org, "SELECT Id, (SELECT Id FROM Contactz) FROM Account")
    assert error.error_code == "INVALID_FIELD"
    assert error.message.endswith(
        f"Didn't understand relationship 'Contactz' in FROM clause of nested query. {RELATIONSHIP_HINT}"
    )


def test_unknown_object(query_org: QueryOrg) -> None:
    """An unknown object raises INVALID_TYPE with the custom-object hint."""
    error = query_error(query_org, "SELECT Id FROM Contct")
    assert error.error_code == "INVALID_TYPE"
    assert error.message.endswith(
        "sObject type 'Contct' is not supported. If you are attempting to use a custom object, "
        "be sure to append the '__c' after the entity name. Please reference your WSDL or the "
        "describe call for the appropriate names."
    )
    assert "ERROR at Row:1:Column:16" in error.message


@pytest.mark.parametrize(
    ("soql", "message"),
    [
        ("SELECT Id FROM", "unexpected token: '<EOF>'"),
        ("", "SOQL statements cannot be empty or null"),
        ("   ", "SOQL statements cannot be empty or null"),
    ],
)
def test_malformed_query(query_org: QueryOrg, soql: str, message: str) -> None:
    """Syntax errors raise MALFORMED_QUERY with the parser's message."""
    error = query_error(query_org, soql)
    assert error.error_code == "MALFORMED_QUERY"
    assert error.message.endswith(message)


def test_statement_too_long(query_org: QueryOrg) -> None:
    """Statements over 100,000 characters are rejected before parsing."""
    soql = "SELECT Id FROM Contact WHERE LastName IN (" + ", ".join(["'x'"] * 30_000) + ")"
    error = query_error(query_org, soql)
    assert error.error_code == "MALFORMED_QUERY"
    assert error.message == "SOQL statements can not be longer than 100000 characters"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            "Birthdate = 2024-01-01T00:00:00Z",
            "value of filter criterion for field 'Birthdate' must be of type date and should not be enclosed in quotes",
        ),
        (
            "Birthdate = '2024-01-01'",
            "value of filter criterion for field 'Birthdate' must be of type date and should not be enclosed in quotes",
        ),
        (
            "CreatedDate > '2024-01-01T00:00:00Z'",
            "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes",
        ),
        (
            "HasOptedOutOfEmail = 'true'",
            "value of filter criterion for field 'HasOptedOutOfEmail' must be of type boolean and should not be enclosed in quotes",
        ),
        (
            "Account.NumberOfEmployees > '5'",
            "value of filter criterion for field 'NumberOfEmployees' must be of type integer and should not be enclosed in quotes",
        ),
        (
            "LastName = 5",
            "value of filter criterion for field 'LastName' must be of type string and should be enclosed in quotes",
        ),
        (
            "LastName = TODAY",
            "value of filter criterion for field 'LastName' must be of type string and should be enclosed in quotes",
        ),
    ],
)
def test_filter_value_of_wrong_type(query_org: QueryOrg, where: str, message: str) -> None:
    """A value of the wrong kind for the field raises INVALID_FIELD with the type it needs."""
    error = query_error(query_org, f"SELECT Id FROM Contact WHERE {where}")
    assert error.error_code == "INVALID_FIELD"
    assert error.message.endswith("\n" + message)
    assert "ERROR at Row:1:Column:30" in error.message


def test_invalid_id_value(query_org: QueryOrg) -> None:
    """A malformed id in a filter raises INVALID_QUERY_FILTER_OPERATOR."""
    error = query_error(query_org, "SELECT Id FROM Contact WHERE AccountId = '001xyz'")
    assert error.error_code == "INVALID_QUERY_FILTER_OPERATOR"
    assert error.message.endswith("\ninvalid ID field: 001xyz")


@pytest.mark.parametrize(
    ("soql", "code", "ending"),
    [
        (
            "SELECT Id FROM Contact WHERE Description = 'x'",
            "INVALID_FIELD",
            "field 'Description' can not be filtered in a query call",
        ),
        (
            "SELECT Id FROM Contact ORDER BY Description",
            "INVALID_FIELD",
            "field 'Description' can not be sorted in a query call",
        ),
        (
            "SELECT Description, COUNT(Id) FROM Contact GROUP BY Description",
            "INVALID_FIELD",
            "field 'Description' can not be grouped in a query call",
        ),
        (
            "SELECT SUM(LastName) FROM Contact",
            "INVALID_FIELD",
            "field LastName does not support aggregate operator SUM",
        ),
        (
            "SELECT AVG(Birthdate) FROM Contact",
            "INVALID_FIELD",
            "field Birthdate does not support aggregate operator AVG",
        ),
        (
            "SELECT LastName, COUNT(Id) FROM Contact GROUP BY FirstName",
            "MALFORMED_QUERY",
            "Field must be grouped or aggregated: LastName",
        ),
        (
            "SELECT Id FROM Contact WHERE LastName INCLUDES ('a')",
            "INVALID_QUERY_FILTER_OPERATOR",
            "includes or excludes operator only valid on multipicklist field",
        ),
        (
            "SELECT Id FROM Contact WHERE Birthdate LIKE '19%'",
            "INVALID_QUERY_FILTER_OPERATOR",
            "invalid operator on date field: LIKE works on text fields only",
        ),
        ("SELECT Id, Id FROM Contact", "MALFORMED_QUERY", "duplicate field selected: Id"),
        (
            "SELECT Id FROM Opportunity WHERE Amount > " + "9" * 400 + ".5",
            "MALFORMED_QUERY",
            "number out of range: " + "9" * 400 + ".5",
        ),
        (
            "SELECT FIELDS(ALL) FROM Contact",
            "MALFORMED_QUERY",
            "The SOQL FIELDS function must have a LIMIT of at most 200",
        ),
        (
            "SELECT FIELDS(CUSTOM) FROM Contact LIMIT 201",
            "MALFORMED_QUERY",
            "The SOQL FIELDS function must have a LIMIT of at most 200",
        ),
        (
            "SELECT Id FROM Contact WHERE DISTANCE(MailingAddress, GEOLOCATION(1, 2), 'yd') < 5",
            "MALFORMED_QUERY",
            "DISTANCE measures in 'mi' or 'km'",
        ),
        (
            "SELECT Id FROM Contact WHERE DISTANCE(LastName, GEOLOCATION(1, 2), 'mi') < 5",
            "INVALID_FIELD",
            "DISTANCE needs a location or address field, not LastName",
        ),
        (
            "SELECT Id FROM Contact ORDER BY COUNT(Id)",
            "MALFORMED_QUERY",
            "Aggregate functions in ORDER BY need GROUP BY or an aggregate select list",
        ),
        (
            "SELECT Id FROM Contact WHERE COUNT(Id) > 1",
            "MALFORMED_QUERY",
            "Aggregate functions are not allowed in the WHERE clause; filter aggregates with HAVING",
        ),
        (
            "SELECT Id FROM Contact WHERE LastName IN (SELECT LastName FROM Lead)",
            "INVALID_FIELD",
            "field 'LastName' must be an Id or reference field to filter with a subquery",
        ),
        (
            "SELECT Id FROM Contact WHERE Id IN (SELECT LastName FROM Lead)",
            "INVALID_FIELD",
            "field 'LastName' in a semi join subquery must be an Id or reference field",
        ),
        (
            "SELECT Id FROM Contact WHERE Id IN (SELECT Id FROM Nowhere)",
            "INVALID_TYPE",
            "sObject type 'Nowhere' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
        ),
        (
            "SELECT Who.Email__c FROM Task",
            "INVALID_FIELD",
            f"No such column 'Email__c' on entity 'Name'. {FIELD_HINT}",
        ),
        (
            "SELECT Who.Account.Name FROM Task",
            "INVALID_FIELD",
            f"Didn't understand relationship 'Account' in field path. {RELATIONSHIP_HINT}",
        ),
        (
            "SELECT Account.Parent.Parent.Parent.Parent.Parent.Name FROM Contact",
            "INVALID_FIELD",
            f"Didn't understand relationship 'Parent' in field path. {RELATIONSHIP_HINT}",
        ),
        (
            "SELECT HOUR_IN_DAY(Birthdate), COUNT(Id) FROM Contact GROUP BY HOUR_IN_DAY(Birthdate)",
            "INVALID_FIELD",
            "Invalid field Birthdate for function HOUR_IN_DAY: it takes a datetime field",
        ),
    ],
)
def test_semantic_errors(query_org: QueryOrg, soql: str, code: str, ending: str) -> None:
    """Each misuse raises its Salesforce errorCode with the reason last."""
    error = query_error(query_org, soql)
    assert error.error_code == code
    assert error.message.endswith(ending)


def test_offset_over_2000(query_org: QueryOrg) -> None:
    """OFFSET above 2,000 raises NUMBER_OUTSIDE_VALID_RANGE, and 2,000 itself is allowed."""
    error = query_error(query_org, "SELECT Id FROM Contact OFFSET 2001")
    assert error.error_code == "NUMBER_OUTSIDE_VALID_RANGE"
    assert error.message == "Maximum SOQL offset allowed is 2000"
    assert query_org.query("SELECT Id FROM Contact OFFSET 2000")["totalSize"] == 0


def test_five_parent_levels_are_allowed(query_org: QueryOrg) -> None:
    """A path through five relationships resolves."""
    soql = f"SELECT Account.Parent.Parent.Parent.Parent.Name FROM Contact WHERE Id = '{query_org.ids['jane']}'"
    assert query_org.records(soql)[0]["Account"]["Parent"] is None


def test_query_error_repr() -> None:
    """QueryError's repr lists its code, message and status."""
    error = QueryError("INVALID_FIELD", "bad", 400)
    assert repr(error) == "QueryError(error_code='INVALID_FIELD', message='bad', http_status=400)"
    assert str(error) == "bad"
