"""Point the CLI at a sandbox org and a store in a test's directory (shared by CLI test files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfseg.sandbox.server import SandboxInfo


def point_cli_at(sandbox: SandboxInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set the SFSEG_* variables so that every command uses `sandbox` and a fresh store."""
    for name, value in {
        "SFSEG_INSTANCE_URL": sandbox.url, "SFSEG_LOGIN_URL": sandbox.url,
        "SFSEG_FLOW": "client_credentials", "SFSEG_CLIENT_ID": sandbox.client_id,
        "SFSEG_CLIENT_SECRET": sandbox.client_secret, "SFSEG_API_VERSION": sandbox.api_version,
        "SFSEG_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "SFSEG_DATA_DIR": str(tmp_path),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SFSEG_PROFILE", raising=False)
