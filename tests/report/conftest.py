"""The report tests reuse the service fixture: a running service on the sample org."""

from __future__ import annotations

from tests.service.conftest import api

__all__ = ["api"]
