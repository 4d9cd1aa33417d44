"""Record ids: 15 and 18 characters, the case-safe checksum, and case repair."""

from __future__ import annotations

import pytest

from sfseg.soql.ids import InvalidIdError, is_salesforce_id, key_prefix, to_15, to_18

# Ids whose 18-character forms are published in Salesforce's documentation and API answers.
KNOWN = [
    ("001D000000IqhSL", "001D000000IqhSLIAZ"),
    ("0018a00001rBqb8", "0018a00001rBqb8AAC"),
    ("001D000000Kv3g5", "001D000000Kv3g5IAB"),
    ("0015f00000BCvRe", "0015f00000BCvReAAL"),
    ("003RM0000068xV6", "003RM0000068xV6YAI"),
    ("005R0000000UyrW", "005R0000000UyrWIAS"),
]


@pytest.mark.parametrize(("id15", "id18"), KNOWN)
def test_checksum_matches_published_ids(id15, id18):
    assert to_18(id15) == id18
    assert to_18(id18) == id18
    assert to_15(id18) == id15


@pytest.mark.parametrize(("id15", "id18"), KNOWN)
def test_lowercased_18_restores_case(id15, id18):
    assert to_18(id18.lower()) == id18


@pytest.mark.parametrize(("id15", "id18"), KNOWN)
def test_uppercased_18_restores_case(id15, id18):
    assert to_18(id18.upper()) == id18


def test_lowercase_suffix_accepted():
    assert to_18("0038s000000001LaaQ") == "0038s000000001LAAQ"


def test_mixed_case_with_wrong_suffix_rejected():
    assert not is_salesforce_id("001D000000IqhSLAAA")

    with pytest.raises(InvalidIdError, match="'001D000000IqhSLAAA' is not a Salesforce id"):
        to_18("001D000000IqhSLAAA")


def test_suffix_demanding_upper_digit_rejected():
    # "Z" asks for upper-case letters in every position of the last chunk, which holds digits.
    assert not is_salesforce_id("0010000000000001AZ")


def test_fifteen_characters_keep_their_case():
    assert to_18("001d000000iqhsl") != to_18("001D000000IqhSL")


@pytest.mark.parametrize("value", ["", "001", "001D000000IqhSL!", "001D000000IqhSLIA", "a" * 19])
def test_wrong_shape_rejected(value):
    assert not is_salesforce_id(value)


def test_key_prefix_names_object():
    assert key_prefix("003RM0000068xV6") == "003"
