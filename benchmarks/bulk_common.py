"""Shared set-up of the Bulk API benchmarks: a sandbox in a child process.

The sandbox runs in its own process so that the benchmark's memory figures are the
client's alone.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sfseg.salesforce import ConnectionSettings, SalesforceClient


def _insert_contacts_directly(info: Any, count: int) -> None:
    """Write `count` Contacts straight into the org's SQLite tables (set-up only, not measured)."""
    from sfseg.soql.ids import to_18

    store = info.state.org.store
    now = "2026-01-01T00:00:00.000+0000"
    rows = (
        (to_18(f"003BM{n:010d}"), f"Contact {n:07d}", f"c{n}@example.org", now, now, now)
        for n in range(count)
    )
    sql = (
        'INSERT INTO "Contact" (Id, LastName, Email, CreatedDate, LastModifiedDate, SystemModstamp, IsDeleted) '
        "VALUES (?, ?, ?, ?, ?, ?, 0)"
    )
    with store.lock:
        store.connection.executemany(sql, rows)
        store.connection.commit()


def _serve(conn: multiprocessing.connection.Connection, direct_contacts: int) -> None:
    from sfseg.sandbox.server import run_sandbox

    with run_sandbox(seed="empty") as info:
        if direct_contacts:
            _insert_contacts_directly(info, direct_contacts)
        conn.send(
            {
                "url": info.url,
                "client_id": info.client_id,
                "client_secret": info.client_secret,
                "api_version": info.api_version,
            }
        )
        conn.recv()


@contextmanager
def sandbox_process(direct_contacts: int = 0) -> Iterator[dict[str, str]]:
    """Run an empty sandbox in a child process; yield how to connect to it."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve, args=(child, direct_contacts), daemon=True)
    process.start()
    try:
        yield parent.recv()
    finally:
        parent.send("stop")
        process.join(timeout=30)


def connect(info: dict[str, str]) -> SalesforceClient:
    settings = ConnectionSettings(
        instance_url=info["url"],
        login_url=info["url"],
        api_version=info["api_version"],
        flow="client_credentials",
        client_id=info["client_id"],
        client_secret=info["client_secret"],
    )
    return SalesforceClient(settings)
