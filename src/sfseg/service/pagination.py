"""Cursor pagination: a cursor is the opaque, URL-safe form of the next row's offset."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Annotated, TypeVar

from fastapi import Query

from sfseg.service.errors import PROBLEMS
from sfseg.service.problems import ProblemError

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "CursorParam", "LimitParam", "decode_cursor", "page_of"]

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

LimitParam = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page.")]
CursorParam = Annotated[
    str | None,
    Query(max_length=200, description="`next_cursor` of the previous page; omit for the first."),
]


def encode_cursor(offset: int) -> str:
    raw = json.dumps({"o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """Return the offset a cursor stands for (0 for no cursor).

    Raises:
        ProblemError: the cursor is not one this service gave out (422).
    """
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        offset = data["o"] if isinstance(data, dict) else None
    except (ValueError, UnicodeError, binascii.Error, KeyError):
        offset = None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        detail = f"cursor {cursor!r} is not one this service gave out; pass a page's next_cursor"
        raise ProblemError(PROBLEMS["invalid-value"], detail)
    return offset


def page_of(rows: Sequence[T], offset: int, limit: int) -> tuple[list[T], str | None]:
    """Cut `rows` (fetched with `limit + 1`) to a page and its next cursor."""
    if len(rows) > limit:
        return list(rows[:limit]), encode_cursor(offset + limit)
    return list(rows), None
