"""SOQL string literals: decoding the quoted source text and encoding values back.

Inside `'...'` SOQL accepts these escapes (SOQL and SOSL Reference, "Quoted String
Escape Sequences"): `\\n \\r \\t \\b \\f` (also upper case), `\\"`, `\\'`, `\\\\` and
`\\uXXXX`. `\\%` and `\\_` are allowed only in a LIKE pattern; any other backslash
is an error. Single quote and backslash are the reserved characters.

A LIKE pattern value keeps its pattern escapes (`\\\\`, `\\%`, `\\_`) as two
characters each, so `%` and `_` stay wildcards and the escaped forms stay literal.
"""

from __future__ import annotations

__all__ = ["InvalidEscapeError", "decode_string", "encode_string", "has_like_escapes"]

# NOTE: Salesforce's escape table calls \b "Bell", but it is decoded here as
# backspace (U+0008), its meaning in Java, C and Python string escapes.
_SIMPLE_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}
_LIKE_ESCAPES = frozenset("%_\\")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")

# Characters written as an escape when a value is encoded: the two reserved ones,
# the double quote, and the control characters with a named escape.
_ENCODED = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


class InvalidEscapeError(ValueError):
    """A backslash sequence SOQL does not allow; `offset` indexes the quoted source text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def decode_string(quoted: str, *, like: bool = False) -> tuple[str, bool]:
    """Decode the quoted source text of a string literal.

    Returns the value and whether a LIKE-only escape (`\\%`, `\\_`) was used.
    Raises InvalidEscapeError on an escape that is not allowed here.
    """
    body = quoted[1:-1]
    if "\\" not in body:
        return body, False

    out: list[str] = []
    like_escapes = False
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        code = body[i + 1]
        if like and code in _LIKE_ESCAPES:
            out.append("\\" + code)
            like_escapes = like_escapes or code != "\\"
            i += 2
        elif code.lower() in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[code.lower()])
            i += 2
        elif code == "u":
            i = _decode_unicode(body, i, out)
        elif code in "%_":
            msg = f"invalid escape sequence '\\{code}': \\% and \\_ are allowed only in a LIKE pattern"
            raise InvalidEscapeError(msg, i + 1)
        else:
            msg = f"invalid escape sequence '\\{code}'; write a backslash as '\\\\'"
            raise InvalidEscapeError(msg, i + 1)
    return "".join(out), like_escapes


def _decode_unicode(body: str, start: int, out: list[str]) -> int:
    """Decode `\\uXXXX` at *start* (a surrogate pair takes two), append, return the next index."""
    unit = _hex_unit(body, start)
    end = start + 6
    if 0xD800 <= unit <= 0xDBFF and body[end : end + 2] == "\\u":
        low = _hex_unit(body, end)
        if 0xDC00 <= low <= 0xDFFF:
            out.append(chr(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)))
            return end + 6
    if 0xD800 <= unit <= 0xDFFF:
        msg = f"invalid escape sequence '{body[start:end]}': unpaired UTF-16 surrogate"
        raise InvalidEscapeError(msg, start + 1)
    out.append(chr(unit))
    return end


def _hex_unit(body: str, start: int) -> int:
    digits = body[start + 2 : start + 6]
    if len(digits) != 4 or not set(digits) <= _HEX_DIGITS:
        msg = f"invalid escape sequence '{body[start : start + 6]}': \\u needs four hex digits"
        raise InvalidEscapeError(msg, start + 1)
    return int(digits, 16)


def encode_string(value: str, *, like: bool = False) -> str:
    """Quote *value* as a SOQL string literal, escaping the backslash first.

    With *like*, the value is a LIKE pattern: its `\\\\`, `\\%` and `\\_` pairs are
    written unchanged and a lone backslash is written as an escaped backslash.
    Control characters without a named escape are written as `\\uXXXX`.
    """
    out: list[str] = ["'"]
    i = 0
    while i < len(value):
        char = value[i]
        if like and char == "\\" and i + 1 < len(value) and value[i + 1] in _LIKE_ESCAPES:
            out.append(value[i : i + 2])
            i += 2
            continue
        out.append(_encode_char(char))
        i += 1
    out.append("'")
    return "".join(out)


def _encode_char(char: str) -> str:
    escaped = _ENCODED.get(char)
    if escaped is not None:
        return escaped
    code = ord(char)
    if code < 0x20 or code == 0x7F or 0xD800 <= code <= 0xDFFF:
        return f"\\u{code:04x}"
    return char


def has_like_escapes(pattern: str) -> bool:
    """Tell whether a LIKE pattern value uses `\\%` or `\\_` (an escaped backslash does not count)."""
    i = 0
    while i < len(pattern) - 1:
        if pattern[i] == "\\":
            if pattern[i + 1] in "%_":
                return True
            i += 2
        else:
            i += 1
    return False
