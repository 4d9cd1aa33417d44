"""Shared set-up of the assignment benchmarks: a sandbox org in its own process.

The sandbox runs as `sfseg sandbox serve --db FILE --latency-ms N` in a subprocess, so
the benchmark process measures only sfseg's own time and memory. The org is written
to the SQLite file first, through the sandbox's DML facade, and the server reopens it.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sfseg.salesforce import ConnectionSettings, SalesforceClient
from sfseg.sandbox.org import Org
from sfseg.segments.store import Store
from sfseg.segments.store.models import Segment

CLIENT_SECRET = "benchmark-secret"  # a sandbox-only credential for this run
SEGMENT_ID = "seg_benchmark001"


@dataclass(frozen=True)
class PreparedOrg:
    db_path: Path
    campaign_id: str
    contact_ids: list[str]
    emails: list[str]


@dataclass(frozen=True)
class Served:
    url: str
    client_id: str
    client_secret: str
    api_version: str
    ca_file: str | None = None


def prepare_org(db_path: Path, contacts: int) -> PreparedOrg:
    """Write an org with one Campaign and `contacts` Contacts, each with a distinct email."""
    org = Org.open(str(db_path), "empty")
    campaign_id = org.create("Campaign", {"Name": "Benchmark"})
    contact_ids: list[str] = []
    emails = [f"customer{i}@bench.example.org" for i in range(contacts)]
    batch = 5000
    for start in range(0, contacts, batch):
        with org.transaction():
            for i in range(start, min(start + batch, contacts)):
                contact_ids.append(org.create("Contact", {"LastName": f"Customer {i}", "Email": emails[i]}))
    org.close()
    return PreparedOrg(db_path, campaign_id, contact_ids, emails)


def prepare_org_elsewhere(db_path: Path, contacts: int) -> PreparedOrg:
    """`prepare_org` in a child process, so its memory stays out of this process's peak."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        prepared: PreparedOrg = pool.apply(prepare_org, (db_path, contacts))
    return prepared


@contextlib.contextmanager
def serve(db_path: Path, latency_ms: int, *, tls: bool = False) -> Iterator[Served]:
    """Run `sfseg sandbox serve` on the org file until the block ends."""
    with tempfile.TemporaryDirectory() as scratch:
        ready = Path(scratch) / "ready.json"
        command = [sys.executable, "-c", "from sfseg.cli.main import main; main()", "sandbox", "serve",
                   "--db", str(db_path), "--seed", "empty", "--latency-ms", str(latency_ms),
                   "--client-secret", CLIENT_SECRET, "--ready-file", str(ready)]  # fmt: skip
        if tls:
            command += ["--tls", "--ca-file", str(Path(scratch) / "ca.pem")]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not ready.exists() or not ready.read_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the sandbox server did not start; run the command by hand to see why")
                time.sleep(0.05)
            time.sleep(0.05)
            document: dict[str, Any] = json.loads(ready.read_text())
            yield Served(document["url"], document["client_id"], CLIENT_SECRET, document["api_version"],
                         document.get("ca_file"))  # fmt: skip
        finally:
            process.terminate()
            process.wait(timeout=30)


def connect(served: Served) -> SalesforceClient:
    settings = ConnectionSettings(
        instance_url=served.url, login_url=served.url, api_version=served.api_version,
        flow="client_credentials", client_id=served.client_id, client_secret=served.client_secret,
        ca_file=served.ca_file,
    )  # fmt: skip
    return SalesforceClient(settings)


def make_store(directory: Path, campaign_id: str) -> Store:
    store = Store(f"sqlite:///{directory / 'store.db'}")
    with store.session() as session:
        session.add(Segment(id=SEGMENT_ID, key="benchmark", name="Benchmark", target="contact",
                            criteria_kind="where", criteria_text="Email != null", campaign_id=campaign_id))  # fmt: skip
    return store


def sandbox_stats(served: Served) -> dict[str, Any]:
    verify = served.ca_file or True
    stats: dict[str, Any] = httpx.get(f"{served.url}/__sandbox/stats", timeout=30, verify=verify).json()
    return stats


def reset_stats(served: Served) -> None:
    httpx.delete(f"{served.url}/__sandbox/stats", timeout=30, verify=served.ca_file or True)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def workdir() -> Path:
    base = os.environ.get("SFSEG_BENCH_DIR")
    return Path(base) if base else Path(tempfile.mkdtemp(prefix="sfseg-bench-"))
