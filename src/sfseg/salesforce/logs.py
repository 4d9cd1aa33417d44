"""Log helpers: the package logger and the removal of tokens and secrets from logged text."""

from __future__ import annotations

import logging
import re

__all__ = ["MAX_LOGGED_BODY", "logger", "redact"]

logger = logging.getLogger("sfseg.salesforce")
# A library configures no output: without this handler, Python's last-resort handler
# would print WARNING records (such as scheduled retries) to a user's terminal.
# Applications choose where records go (the CLI: stderr with --verbose or SFSEG_LOG_LEVEL).
logger.addHandler(logging.NullHandler())

#: Bodies logged at DEBUG are cut to this many characters.
MAX_LOGGED_BODY = 1_000

_SECRET_FIELDS = re.compile(
    r"""(?P<key>["']?(?:access_token|refresh_token|client_secret|assertion|code_verifier|password|sessionId|session_id)["']?\s*[:=]\s*)(?P<value>"[^"]*"|'[^']*'|[^\s&,}]+)""",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
# A Salesforce access token starts with the 15-character org id and "!".
_SESSION_ID = re.compile(r"\b00D[A-Za-z0-9]{12}![A-Za-z0-9._\-]+")


def redact(text: str) -> str:
    """Replace token and secret values in `text` with `<redacted>` and cut it to `MAX_LOGGED_BODY`."""
    text = _SECRET_FIELDS.sub(lambda m: f"{m.group('key')}<redacted>", text)
    text = _BEARER.sub(r"\1<redacted>", text)
    text = _SESSION_ID.sub("<redacted>", text)
    if len(text) > MAX_LOGGED_BODY:
        text = text[:MAX_LOGGED_BODY] + f"... ({len(text)} characters)"
    return text
