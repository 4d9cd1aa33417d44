"""Seed data for the sandbox org.

`load_seed(org, spec)` fills a new org from `spec`:

- "empty": nothing but the org's default user;
- "sample": the bundled sample org (`sfseg.sandbox.seeds.sample`);
- "synthetic:N": N generated contacts with accounts, leads, opportunities, cases,
  activities and campaigns (`sfseg.sandbox.seeds.synthetic`);
- a path to a user's export: a Salesforce CLI plan file (`*.json` holding a list) or
  sObject tree file, a CumulusCI `mapping.yml` (its SQLite dump, `*.sql` or `*.db`, in
  the same folder), or a folder holding either. A `schema.json` beside the data types
  the custom fields (see `sfseg.sandbox.seeds.schema_file`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sfseg.sandbox.seeds.cumulusci import load_cumulusci
from sfseg.sandbox.seeds.finalize import finalize
from sfseg.sandbox.seeds.loader import RecordLoader
from sfseg.sandbox.seeds.schema_file import load_schema_file, replay_schema
from sfseg.sandbox.seeds.tree import load_tree_file, load_tree_plan
from sfseg.sandbox.storage import OrgStore

if TYPE_CHECKING:
    from sfseg.sandbox.org import Org

__all__ = ["SeedError", "load_export", "load_seed", "record_counts", "restore_custom_schema"]

logger = logging.getLogger("sfseg.sandbox.seeds")

_SYNTHETIC_PREFIX = "synthetic:"


class SeedError(ValueError):
    """A seed spec or export that cannot be loaded; the message names what to change."""


def load_seed(org: Org, spec: str) -> None:
    """Load the seed named by `spec` into a freshly created org.

    Then logs one line per object with its record count, counted in the org once
    every source, derived record and invented record is in, so the numbers are the
    ones queries return.

    Raises:
        SeedError: unknown spec, a bad synthetic count, or an export that cannot be read.
    """
    _load(org, spec)
    for sobject, count in record_counts(org).items():
        logger.info("seed loaded %d %s records", count, sobject)


def _load(org: Org, spec: str) -> None:
    if spec == "empty":
        return
    if spec == "sample":
        from sfseg.sandbox.seeds.sample import load_sample

        load_sample(org)
        return
    if spec.startswith(_SYNTHETIC_PREFIX):
        from sfseg.sandbox.seeds.synthetic import generate

        generate(org, _synthetic_count(spec))
        return
    path = Path(spec).expanduser()
    if not path.exists():
        msg = (
            f"unknown seed {spec!r}: use empty, sample, synthetic:N or the path of an export "
            "(plan JSON, sObject tree JSON, CumulusCI mapping.yml or a folder holding one)"
        )
        raise SeedError(msg)
    load_export(org, path)


def record_counts(org: Org) -> dict[str, int]:
    """Return the number of records (not deleted) of each object that has any, by name."""
    counts = {sobject.name: org.store.count(sobject.name) for sobject in org.schema}
    return {name: counts[name] for name in sorted(counts) if counts[name]}


def _synthetic_count(spec: str) -> int:
    text = spec.removeprefix(_SYNTHETIC_PREFIX)
    if not text.isdigit():
        msg = f"seed {spec!r}: N in synthetic:N must be a whole number of contacts, e.g. synthetic:1000"
        raise SeedError(msg)
    return int(text)


def load_export(org: Org, path: Path) -> None:
    """Load a user's export (file or folder), then derive the computed fields."""
    folder = path if path.is_dir() else path.parent
    schema_file = folder / "schema.json"
    if schema_file.exists() and path != schema_file:
        load_schema_file(org.store, schema_file)
    loader = RecordLoader(org)
    try:
        _load_path(loader, path)
    except (OSError, ValueError, KeyError) as error:
        msg = f"seed {path}: {error}"
        raise SeedError(msg) from error
    finalize(org)
    loader.report()


def _load_path(loader: RecordLoader, path: Path) -> None:
    if path.is_dir():
        mapping = path / "mapping.yml"
        plans = sorted(path.glob("*plan*.json"))
        if mapping.exists():
            _load_cumulusci_mapping(loader, mapping)
        elif plans:
            for plan in plans:
                load_tree_plan(loader, plan)
        else:
            msg = "the folder holds no mapping.yml and no *plan*.json"
            raise SeedError(msg)
        return
    if path.suffix.lower() in {".yml", ".yaml"}:
        _load_cumulusci_mapping(loader, path)
    elif path.suffix.lower() in {".sql", ".db", ".sqlite"}:
        _load_cumulusci_mapping(loader, path.parent / "mapping.yml", dump=path)
    elif path.suffix.lower() == ".json":
        document = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(document, list):
            load_tree_plan(loader, path)
        else:
            load_tree_file(loader, path)
    else:
        msg = "expected a .json plan or tree file, a mapping.yml, or a .sql/.db dump"
        raise SeedError(msg)


def _load_cumulusci_mapping(loader: RecordLoader, mapping: Path, dump: Path | None = None) -> None:
    if dump is None:
        candidates = sorted([*mapping.parent.glob("*.sql"), *mapping.parent.glob("*.db")])
        if not candidates:
            msg = f"no .sql or .db dump next to {mapping.name}"
            raise SeedError(msg)
        dump = candidates[0]
    if not mapping.exists():
        msg = f"no mapping.yml next to {dump.name}; CumulusCI dumps need their mapping"
        raise SeedError(msg)
    load_cumulusci(loader, dump, mapping)


def restore_custom_schema(store: OrgStore) -> None:
    """Re-apply the custom objects and fields recorded in a reopened database file."""
    replay_schema(store)
