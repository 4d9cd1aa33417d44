"""Customer id parsing: normalising ids and emails, folding repeats, rejecting bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfseg.segments.customers import (
    CustomerKind,
    InputError,
    id_field_kind,
    parse_customers,
    read_customer_file,
)

CONTACT_15 = "003RM0000068xV6"
CONTACT_18 = "003RM0000068xV6YAI"
ACCOUNT_18 = "001D000000IqhSLIAZ"


def test_id_15_becomes_18() -> None:
    """A 15-character id is stored in its 18-character form."""
    result = parse_customers([CONTACT_15])
    assert list(result.customers) == [CONTACT_18]
    assert result.customers[CONTACT_18] is CustomerKind.CONTACT_ID


def test_15_and_18_forms_fold() -> None:
    """The 15- and 18-character forms of one id are one customer; the later is a repeat."""
    result = parse_customers([CONTACT_18, CONTACT_15])
    assert list(result.customers) == [CONTACT_18]
    assert [(r.given, r.customer_id) for r in result.repeats] == [(CONTACT_15, CONTACT_18)]


def test_lead_prefix_is_lead() -> None:
    """Key prefix 00Q is a Lead."""
    lead = "00Q000000000001"
    result = parse_customers([lead], id_field="Id")
    ((customer_id, kind),) = result.customers.items()
    assert customer_id.startswith("00Q000000000001")
    assert len(customer_id) == 18
    assert kind is CustomerKind.LEAD_ID


def test_account_id_is_wrong_object() -> None:
    """An Account id is rejected with a message naming Account."""
    result = parse_customers([ACCOUNT_18])
    assert result.customers == {}
    (rejected,) = result.rejected
    assert rejected.reason == "wrong_object"
    assert "Account" in rejected.message
    assert rejected.customer_id == ACCOUNT_18


def test_email_trimmed_and_lowered() -> None:
    """Emails are trimmed and lower-cased, and case variants fold together."""
    result = parse_customers(["  Jane.Doe@Example.COM ", "jane.doe@example.com"])
    assert list(result.customers) == ["jane.doe@example.com"]
    assert result.customers["jane.doe@example.com"] is CustomerKind.EMAIL
    assert len(result.repeats) == 1


def test_first_occurrence_wins_order() -> None:
    """Customers keep first-seen order."""
    result = parse_customers(["b@x.io", "a@x.io", "b@x.io", "c@x.io"])
    assert list(result.customers) == ["b@x.io", "a@x.io", "c@x.io"]


def test_blank_values_ignored() -> None:
    """Blank lines are not customers."""
    result = parse_customers(["", "   ", "a@x.io"])
    assert list(result.customers) == ["a@x.io"]
    assert result.rejected == []


def test_auto_rejects_unrecognised() -> None:
    """In auto mode a value that is neither id nor email is rejected with a hint."""
    result = parse_customers(["CUST-0001"])
    (rejected,) = result.rejected
    assert rejected.reason == "unrecognised"
    assert "--id-field" in rejected.message


def test_bad_checksum_is_invalid_id() -> None:
    """An 18-character id with a wrong checksum is an invalid id under --id-field Id."""
    result = parse_customers(["003RM0000068xV6AAA"], id_field="Id")
    (rejected,) = result.rejected
    assert rejected.reason == "invalid_id"


def test_email_field_rejects_non_email() -> None:
    """Under --id-field Email a value without a domain is an invalid email."""
    result = parse_customers(["not-an-email@"], id_field="Email")
    (rejected,) = result.rejected
    assert rejected.reason == "invalid_email"


def test_external_values_kept_as_written() -> None:
    """External id values are trimmed but keep their case."""
    result = parse_customers([" Ext-01 ", "ext-02"], id_field="Customer_Number__c")
    assert list(result.customers) == ["Ext-01", "ext-02"]
    assert set(result.customers.values()) == {CustomerKind.EXTERNAL_ID}


def test_repeated_rejected_value_folds() -> None:
    """A rejected value given twice is rejected once and repeated once."""
    result = parse_customers([ACCOUNT_18, ACCOUNT_18])
    assert len(result.rejected) == 1
    assert len(result.repeats) == 1
    assert len(result) == 1


@pytest.mark.parametrize(
    ("value", "kind"),
    [("auto", "auto"), ("ID", "id"), ("email", "email"), ("Customer_Number__c", "external")],
)
def test_id_field_kind(value: str, kind: str) -> None:
    """--id-field values map to their kind, case-insensitively for Id and Email."""
    assert id_field_kind(value) == kind


def test_empty_id_field_rejected() -> None:
    """An empty --id-field is an input error."""
    with pytest.raises(InputError, match="empty"):
        id_field_kind(" ")


def test_file_one_per_line(tmp_path: Path) -> None:
    """A plain file gives one customer per line."""
    path = tmp_path / "ids.txt"
    path.write_text("a@x.io\n\n b@x.io \n", encoding="utf-8")
    assert [v for v in read_customer_file(path) if v] == ["a@x.io", "b@x.io"]


def test_file_csv_column(tmp_path: Path) -> None:
    """A CSV file gives the named column's values."""
    path = tmp_path / "ids.csv"
    path.write_text("name,email\nJane,jane@x.io\nBob,bob@x.io\n", encoding="utf-8")
    assert list(read_customer_file(path, column="email")) == ["jane@x.io", "bob@x.io"]


def test_file_missing_column(tmp_path: Path) -> None:
    """A missing CSV column is an error listing the columns."""
    path = tmp_path / "ids.csv"
    path.write_text("name,mail\nJane,jane@x.io\n", encoding="utf-8")
    with pytest.raises(InputError, match="not in the header") as raised:
        list(read_customer_file(path, column="email"))
    assert raised.value.hint == "pass --column with one of: name, mail"


def test_file_missing(tmp_path: Path) -> None:
    """A missing file is an input error naming it."""
    with pytest.raises(InputError, match="missing.txt"):
        list(read_customer_file(tmp_path / "missing.txt"))
