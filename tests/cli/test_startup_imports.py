"""CLI modules import their heavy dependencies inside the commands, so start-up stays fast."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

from sfseg.cli.assign import assign_command
from sfseg.segments.write import WriteOptions

# Libraries that only a command's body may load: the store, migrations, the client, the server.
HEAVY = ("sqlalchemy", "alembic", "httpx", "fastapi", "uvicorn", "jwt", "keyring")

LIGHT_AREAS = (
    "sfseg.cli.assign",
    "sfseg.cli.common",
    "sfseg.cli.demo",
    "sfseg.cli.errors",
    "sfseg.cli.failures",
    "sfseg.cli.org",
    "sfseg.cli.render",
    "sfseg.cli.sandbox",
    "sfseg.cli.segments",
    "sfseg.cli.service",
)


def _loaded_after_import(modules: tuple[str, ...]) -> list[str]:
    """Import `modules` in a fresh interpreter and return which HEAVY libraries it loaded."""
    script = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert output.returncode == 0, output.stderr
    loaded: list[str] = json.loads(output.stdout)
    return loaded


def test_light_areas_skip_heavy_libraries() -> None:
    assert _loaded_after_import(LIGHT_AREAS) == []


def test_main_skips_heavy_libraries() -> None:
    """`sfseg --help` and `sfseg sandbox serve` import the app and every area first."""
    assert _loaded_after_import(("sfseg.cli.main",)) == []


def test_concurrency_default_matches_writer() -> None:
    concurrency = inspect.signature(assign_command).parameters["concurrency"]
    assert concurrency.default == WriteOptions().concurrency


def test_check_sees_heavy_imports() -> None:
    """The check itself can fail: importing the store does load SQLAlchemy."""
    assert "sqlalchemy" in _loaded_after_import(("sfseg.segments.store",))
