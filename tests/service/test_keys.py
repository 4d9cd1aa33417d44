"""API keys: shown once, stored as a digest, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import sfseg.segments.store.service_tables as models
from sfseg.segments.store import Store
from sfseg.service.keys import KeyNameTakenError, create_key, list_keys, revoke_key, verify_key


@pytest.fixture
def store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'service.db'}") as store:
        yield store


def test_created_key_verifies(store):
    info, key = create_key(store, "crm-sync")

    verified = verify_key(store, key)

    assert key.startswith("sfseg_")
    assert verified == info
    assert info.name == "crm-sync"
    assert info.read_only is False


def test_store_keeps_no_plain_key(store):
    _info, key = create_key(store, "crm-sync")

    with store.session() as session:
        row = session.scalar(select(models.ApiKey))
        stored = [str(value) for value in vars(row).values()]

    assert all(key not in value for value in stored)
    assert row.prefix == key[:10]


def test_wrong_key_rejected(store):
    _info, key = create_key(store, "crm-sync")

    assert verify_key(store, key + "x") is None
    assert verify_key(store, "") is None


def test_revoked_key_rejected(store):
    _info, key = create_key(store, "crm-sync")

    revoked = revoke_key(store, "crm-sync")

    assert revoked.revoked is True
    assert verify_key(store, key) is None


def test_duplicate_name_rejected(store):
    create_key(store, "crm-sync")

    with pytest.raises(KeyNameTakenError, match="'crm-sync' exists"):
        create_key(store, "crm-sync")


def test_read_only_flag_kept(store):
    create_key(store, "dashboard", read_only=True)

    (info,) = list_keys(store)

    assert info.read_only is True


def test_revoke_unknown_name_names_it(store):
    with pytest.raises(LookupError, match="no API key named 'nope'"):
        revoke_key(store, "nope")
