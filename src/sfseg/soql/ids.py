"""Salesforce record ids: the 15-character case-sensitive form and the 18-character
case-safe form.

An id is 15 base-62 characters (a 3-character key prefix such as `003` for Contact,
then 12 characters); the API returns 18, the 15 followed by a 3-character checksum
that encodes which letters are upper case. Both forms name the same record. The
checksum rule (from Salesforce's record id documentation): split the 15 characters
into three chunks of 5; for each chunk add 2**j for every position j (0 to 4, left to
right) holding an upper-case A-Z; the sum indexes `_CHECKSUM_ALPHABET`.
Example: `001D000000IqhSL` becomes `001D000000IqhSLIAZ`.

This module lives in the SOQL layer because both the client and the sandbox use it
and the SOQL layer is the one both may import.
"""

from __future__ import annotations

import re

__all__ = [
    "InvalidIdError",
    "is_salesforce_id",
    "key_prefix",
    "to_15",
    "to_18",
]

_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")


class InvalidIdError(ValueError):
    """A string that is not a 15- or 18-character Salesforce id, or whose checksum is wrong."""


def _checksum(id15: str) -> str:
    suffix = []
    for start in range(0, 15, 5):
        chunk = id15[start : start + 5]
        bits = sum(1 << j for j, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix.append(_CHECKSUM_ALPHABET[bits])
    return "".join(suffix)


def is_salesforce_id(value: str) -> bool:
    """Tell whether `value` has the shape of an id; an 18-character id must also have
    the right checksum."""
    if not _ID_PATTERN.match(value):
        return False
    return len(value) == 15 or value[15:] == _checksum(value[:15])


def to_18(value: str) -> str:
    """Return the 18-character form of a 15- or 18-character id.

    Raises:
        InvalidIdError: `value` is not an id, or its checksum does not match its
            first 15 characters.
    """
    if not is_salesforce_id(value):
        msg = f"{value!r} is not a Salesforce id: expected 15 or 18 letters and digits with a valid checksum"
        raise InvalidIdError(msg)
    return value if len(value) == 18 else value + _checksum(value)


def to_15(value: str) -> str:
    """Return the 15-character, case-sensitive form of an id."""
    return to_18(value)[:15]


def key_prefix(value: str) -> str:
    """Return the 3-character key prefix that names the object (`003` for Contact)."""
    return to_18(value)[:3]
