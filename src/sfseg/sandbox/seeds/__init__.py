"""Seed data for the sandbox org: "empty", the bundled "sample" org, "synthetic:N", or a
path to a user's export (Salesforce CLI sObject tree plan, or CumulusCI SQLite dump with
its mapping.yml)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sfseg.sandbox.storage import OrgStore

if TYPE_CHECKING:
    from sfseg.sandbox.org import Org

__all__ = ["load_seed", "restore_custom_schema"]


def load_seed(org: Org, spec: str) -> None:
    """Load the seed named by `spec` into a freshly created org."""
    if spec == "empty":
        return
    msg = f"unknown seed {spec!r}: use empty, sample, synthetic:N or a path to an export"
    raise ValueError(msg)


def restore_custom_schema(store: OrgStore) -> None:
    """Re-apply the custom objects and fields recorded in a reopened database file."""
