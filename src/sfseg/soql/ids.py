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
_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-5]{3})?$")


class InvalidIdError(ValueError):
    """A string that is not a 15- or 18-character Salesforce id, or whose checksum is wrong."""


def _checksum(id15: str) -> str:
    suffix = []
    for start in range(0, 15, 5):
        chunk = id15[start : start + 5]
        bits = sum(1 << j for j, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix.append(_CHECKSUM_ALPHABET[bits])
    return "".join(suffix)


def _restore_case(id18: str) -> str | None:
    # The suffix records which of the first 15 characters are upper-case letters, so an
    # 18-character id whose letters were all turned to one case (by a spreadsheet or a
    # case-insensitive database) can be restored. An id that still mixes cases is taken
    # as written and must match its suffix exactly, so a mistyped suffix is not read as
    # another record's id. None when the characters do not fit the suffix.
    letters = [char for char in id18[:15] if char.isalpha()]
    if any(char.isupper() for char in letters) and any(char.islower() for char in letters):
        suffix = id18[15:].upper()
        return id18[:15] + suffix if suffix == _checksum(id18[:15]) else None
    suffix = id18[15:].upper()
    restored = []
    for chunk_index, code in enumerate(suffix):
        bits = _CHECKSUM_ALPHABET.index(code)
        chunk = id18[chunk_index * 5 : chunk_index * 5 + 5]
        for j, char in enumerate(chunk):
            upper = bool(bits & (1 << j))
            if upper and not char.isalpha():
                return None
            restored.append(char.upper() if upper else char.lower())
    return "".join(restored) + suffix


def is_salesforce_id(value: str) -> bool:
    """Tell whether `value` has the shape of an id; an 18-character id must also have
    a checksum that fits its first 15 characters, in any letter case."""
    if not _ID_PATTERN.match(value):
        return False
    return len(value) == 15 or _restore_case(value) is not None


def to_18(value: str) -> str:
    """Return the 18-character form of a 15- or 18-character id.

    An 18-character id is case-safe: when its letters were all turned to one case, the
    checksum restores them, so `0038s000000001laaq` and `0038S000000001LAAQ` both
    return `0038s000000001LAAQ`. A 15-character id is taken as written, because its case is
    part of the id.

    Raises:
        InvalidIdError: `value` is not an id, or its checksum does not fit its first
            15 characters.
    """
    if len(value) == 18 and _ID_PATTERN.match(value):
        restored = _restore_case(value)
        if restored is not None:
            return restored
    if len(value) == 15 and _ID_PATTERN.match(value):
        return value + _checksum(value)
    msg = (
        f"{value!r} is not a Salesforce id: expected 15 letters and digits, or 18 with a "
        "checksum that fits them; copy the id again from Salesforce"
    )
    raise InvalidIdError(msg)


def to_15(value: str) -> str:
    """Return the 15-character, case-sensitive form of an id."""
    return to_18(value)[:15]


def key_prefix(value: str) -> str:
    """Return the 3-character key prefix that names the object (`003` for Contact)."""
    return to_18(value)[:3]
