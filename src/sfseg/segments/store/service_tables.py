"""Tables of the HTTP service: API keys and the responses kept for idempotent POSTs.

They live in the segments store (revision `0002_service`) so that a service restarted
on the same database keeps its keys and replays the same responses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sfseg.segments.store.models import Base, utcnow

__all__ = ["ApiKey", "IdempotencyRecord"]


class ApiKey(Base):
    """An API key of the service. Only a SHA-256 digest of the key is stored.

    `prefix` is the first characters of the key, shown in listings so that people can
    tell keys apart without the store holding anything that grants access.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class IdempotencyRecord(Base):
    """The response given to a POST that carried an `Idempotency-Key` header.

    A repeat with the same key and the same body digest gets `status_code` and
    `response` again; the same key with another body is rejected.
    """

    __tablename__ = "idempotency_records"

    api_key_id: Mapped[int] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    body_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
