"""Settings of one sandbox server: every option of `sfseg sandbox serve`."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_CLIENT_ID",
    "SUPPORTED_VERSIONS",
    "SandboxConfig",
    "is_loopback_host",
]

# Release names of the API versions the sandbox serves, Winter '24 to Summer '26.
SUPPORTED_VERSIONS: dict[str, str] = {
    "59.0": "Winter '24",
    "60.0": "Spring '24",
    "61.0": "Summer '24",
    "62.0": "Winter '25",
    "63.0": "Spring '25",
    "64.0": "Summer '25",
    "65.0": "Winter '26",
    "66.0": "Spring '26",
    "67.0": "Summer '26",
}
# The version a freshly started sandbox advertises in its ready file; Spring '26.
DEFAULT_API_VERSION = "66.0"
DEFAULT_CLIENT_ID = "sfseg-sandbox-client"
# Salesforce allows 25 concurrent long-running requests per production or sandbox org.
DEFAULT_MAX_CONCURRENT = 25
# Salesforce sandboxes default to 5,000,000 daily API requests. A smaller default makes
# the allowance visible in tests and demos, and normal work still stays far below it.
DEFAULT_API_LIMIT = 100_000
# Salesforce does not return `expires_in`; the session lasts the org's timeout policy,
# two hours by default.
DEFAULT_TOKEN_TTL_SECONDS = 7_200


def is_loopback_host(host: str) -> bool:
    """Tell whether `host` names only this machine (127.0.0.0/8, ::1 or localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _generated_secret() -> str:
    return secrets.token_hex(16)


@dataclass(slots=True)
class SandboxConfig:
    """Options of one sandbox server.

    `client_secret` and `password` (of the password grant) are generated when not given.
    `secret_generated` and `password_generated` record that, so the CLI prints a secret
    only when it is the generated sandbox-only default, never one the user chose.
    """

    host: str = "127.0.0.1"
    port: int = 0
    allow_remote: bool = False
    tls: bool = False
    ca_file: Path | None = None
    seed: str = "sample"
    db: Path | None = None
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = ""
    # The run-as user of client-credentials tokens; None means the org's default user.
    username: str | None = None
    password: str = ""
    jwt_cert: Path | None = None
    token_ttl: int = DEFAULT_TOKEN_TTL_SECONDS
    rotate_refresh_tokens: bool = False
    api_limit: int = DEFAULT_API_LIMIT
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    latency_ms: int = 0
    faults: Path | None = None
    ready_file: Path | None = None
    api_version: str = DEFAULT_API_VERSION
    secret_generated: bool = field(default=False, init=False)
    password_generated: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if self.ca_file is not None:
            # The ready file and the banner give this path to clients that run in
            # other directories, where a relative path would name no file.
            self.ca_file = self.ca_file.expanduser().absolute()
        if not self.client_secret:
            self.client_secret = _generated_secret()
            self.secret_generated = True
        if not self.password:
            self.password = _generated_secret()
            self.password_generated = True
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the first option whose value cannot work."""
        if not self.allow_remote and not is_loopback_host(self.host):
            msg = (
                f"--host {self.host} is not a loopback address; the sandbox serves only this "
                "machine unless --allow-remote is given"
            )
            raise ValueError(msg)
        checks = [
            (0 <= self.port <= 65_535, f"--port {self.port} is outside 0-65535"),
            (self.token_ttl > 0, f"--token-ttl {self.token_ttl} must be a positive number of seconds"),
            (self.api_limit >= 0, f"--api-limit {self.api_limit} must be 0 or more"),
            (self.max_concurrent > 0, f"--max-concurrent {self.max_concurrent} must be at least 1"),
            (self.latency_ms >= 0, f"--latency-ms {self.latency_ms} must be 0 or more"),
            (
                self.api_version in SUPPORTED_VERSIONS,
                f"--api-version {self.api_version} is not served; use one of "
                + ", ".join(SUPPORTED_VERSIONS),
            ),
        ]
        for ok, msg in checks:
            if not ok:
                raise ValueError(msg)
