"""Logs at DEBUG against the live sandbox: one line per exchange, and no token or secret anywhere."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from sfseg.salesforce import RetryPolicy, SalesforceClient
from sfseg.salesforce.logs import redact
from sfseg.salesforce.weblogin import run_web_login

from .conftest import RecordingTransport, sandbox_settings, set_faults


def test_no_secret_in_debug_logs(
    fresh_sandbox, retry_policy: RetryPolicy, recording_connect: Callable[..., tuple[SalesforceClient, RecordingTransport]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every flow's log lines at DEBUG (httpx's too) hold no access token, refresh token or secret."""
    import httpx

    with caplog.at_level(logging.DEBUG):
        token = run_web_login(
            sandbox_settings(fresh_sandbox, flow="web", client_secret=None),
            show_url=lambda url: httpx.get(url, follow_redirects=True, timeout=30).raise_for_status() and None,
            timeout=30,
        )
        refresh_settings = sandbox_settings(fresh_sandbox, flow="refresh_token", refresh_token=token.refresh_token)
        with SalesforceClient(refresh_settings, retry_policy=retry_policy) as client:
            client.limits()
            set_faults(fresh_sandbox, {"path": "^/query", "fault": "INVALID_SESSION_ID", "times": 1})
            list(client.query("SELECT Id FROM Account"))
            assert client.token_refreshes == 1
        client, transport = recording_connect(fresh_sandbox)
        client.create("Account", {"Name": "Logged"})
        access_token = transport.requests[-1].headers["Authorization"].removeprefix("Bearer ")

    secrets = [fresh_sandbox.client_secret, token.access_token, token.refresh_token, access_token]
    lines = [record.getMessage() for record in caplog.records]
    assert any(line.startswith("HTTP Request: GET /services/data/v66.0/limits/") for line in lines)
    for secret in secrets:
        assert secret
        leaked = [line for line in lines if secret in line]
        assert leaked == []


def test_one_info_line_per_exchange(fresh_sandbox, connect: Callable[..., SalesforceClient], caplog: pytest.LogCaptureFixture) -> None:
    """Each API exchange logs one INFO line with method, path, status, time and usage."""
    client = connect(fresh_sandbox)
    client.limits()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="sfseg.salesforce"):
        client.describe_global()
    lines = [r.getMessage() for r in caplog.records if r.name == "sfseg.salesforce"]
    assert len(lines) == 1
    assert lines[0].startswith('HTTP Request: GET /services/data/v66.0/sobjects/ "200" ')
    assert lines[0].endswith("api-usage=2/100000")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"access_token":"00D000000000001!AQ.x","instance_url":"u"}', '{"access_token":<redacted>,"instance_url":"u"}'),
        ("grant_type=refresh_token&refresh_token=5Aep861&client_secret=abc", "grant_type=refresh_token&refresh_token=<redacted>&client_secret=<redacted>"),
        ("Authorization: Bearer 00D000000000001!AQ.x", "Authorization: Bearer <redacted>"),
        ("token 00D000000000001!AQ.abc.def in text", "token <redacted> in text"),
    ],
)
def test_redact_removes_tokens(text: str, expected: str) -> None:
    """Token and secret values are replaced in logged text."""
    assert redact(text) == expected
