"""`sfseg --version`: the installed distribution's version."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from sfseg.cli.main import DISTRIBUTION, app

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_version_prints_distribution_version() -> None:
    """`sfseg --version` prints the installed distribution's version and exits 0."""
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"sfseg {importlib.metadata.version(DISTRIBUTION)}"


def test_version_names_pyproject_distribution() -> None:
    """The distribution `--version` reads is the one pyproject.toml names."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION
