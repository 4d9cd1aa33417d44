"""Load test of the HTTP service on loopback: concurrent clients making mixed requests.

Run: `python benchmarks/service_load.py [--clients 50] [--requests 2000]`. Prints a
Markdown table of latencies per request kind and exits with status 1 if any request
failed (status 400 or more, or no response).

Set-up: a sandbox with the sample org in a thread of this process, the service as
`sfseg serve` in a process of its own (so that the load generator does not share its
interpreter lock), both on 127.0.0.1; a fresh SQLite store; two segments of the
sample org with members.
The mix, drawn with a fixed seed: reads of segments, jobs, items, the error log and
metrics; previews (one Composite call to the org each); assignments of five contacts
returned as 202 with a job (about one request in twelve); health checks.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from sfseg.sandbox.server import run_sandbox
from sfseg.segments.store import Store
from sfseg.service.keys import create_key

CRITERIA = "MailingCountry = 'United States'"


@dataclass(frozen=True)
class Fixture:
    segments: list[str]
    jobs: list[str]
    contacts: list[str]


Request = tuple[str, str, str, dict | None]  # kind, method, path, JSON body
MIX: list[tuple[str, int, Callable[[random.Random, Fixture], Request]]] = [
    ("list segments", 14, lambda r, f: ("list segments", "GET", "/v1/segments?limit=20", None)),
    (
        "show segment",
        14,
        lambda r, f: ("show segment", "GET", f"/v1/segments/{r.choice(f.segments)}", None),
    ),
    ("list jobs", 10, lambda r, f: ("list jobs", "GET", "/v1/jobs?limit=20", None)),
    ("show job", 12, lambda r, f: ("show job", "GET", f"/v1/jobs/{r.choice(f.jobs)}", None)),
    (
        "job items",
        12,
        lambda r, f: ("job items", "GET", f"/v1/jobs/{r.choice(f.jobs)}/items?limit=50", None),
    ),
    ("error log", 6, lambda r, f: ("error log", "GET", "/v1/errors?limit=20", None)),
    ("metrics", 4, lambda r, f: ("metrics", "GET", "/metrics", None)),
    ("healthz", 8, lambda r, f: ("healthz", "GET", "/healthz", None)),
    ("preview", 12, lambda r, f: ("preview", "POST", "/v1/preview", {"criteria": CRITERIA})),
    (
        "assign (202)",
        8,
        lambda r, f: (
            "assign (202)",
            "POST",
            f"/v1/segments/{r.choice(f.segments)}/assign",
            {"customer_ids": r.sample(f.contacts, 5)},
        ),
    ),
]


def build_requests(count: int, fixture: Fixture, seed: int = 7) -> list[Request]:
    chooser = random.Random(seed)
    weights = [weight for _kind, weight, _make in MIX]
    makers = [make for _kind, _weight, make in MIX]
    return [chooser.choices(makers, weights)[0](chooser, fixture) for _ in range(count)]


def prepare(url: str, key: str, contacts: list[str]) -> Fixture:
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
        segments, jobs = [], []
        for number in range(2):
            created = api.post(
                "/v1/segments", json={"name": f"Load {number}", "criteria": CRITERIA}
            )
            created.raise_for_status()
            segment_id = created.json()["segment"]["id"]
            segments.append(segment_id)
            done = api.post(
                f"/v1/segments/{segment_id}/assign?wait=true", json={"customer_ids": contacts[:50]}
            )
            done.raise_for_status()
            jobs.append(done.json()["job"]["id"])
    return Fixture(segments, jobs, contacts)


async def run_load(
    url: str, key: str, requests: list[Request], clients: int
) -> tuple[dict[str, list[float]], list[str], float]:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    queue: asyncio.Queue[Request] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)

    async def client_loop(client: httpx.AsyncClient) -> None:
        while True:
            try:
                kind, method, path, body = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            try:
                response = await client.request(method, path, json=body)
                if response.status_code >= 400:
                    errors.append(f"{kind}: {response.status_code} {response.text[:200]}")
            except httpx.HTTPError as exc:
                errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            latencies[kind].append(time.perf_counter() - started)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=120, limits=limits
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def _ms(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index] * 1000


def report(
    latencies: dict[str, list[float]], errors: list[str], elapsed: float, clients: int
) -> None:
    every = [value for values in latencies.values() for value in values]
    print(
        f"{len(every)} requests from {clients} concurrent clients in {elapsed:.1f} s "
        f"({len(every) / elapsed:.0f} requests/s); errors: {len(errors)}\n"
    )
    print("| request | count | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for kind, values in sorted(latencies.items()):
        print(
            f"| {kind} | {len(values)} | {_ms(values, 0.5):.0f} | {_ms(values, 0.99):.0f} | {max(values) * 1000:.0f} |"
        )
    print(
        f"| **all** | {len(every)} | {_ms(every, 0.5):.0f} | {_ms(every, 0.99):.0f} | {max(every) * 1000:.0f} |"
    )
    print(f"\nmean {statistics.fmean(every) * 1000:.0f} ms")
    for error in errors[:10]:
        print("error:", error)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_process(org: object, store_url: str, workers: int) -> Iterator[str]:
    """Run `sfseg serve` against the sandbox `org`; yield its URL once /healthz responds."""
    port = _free_port()
    env = {
        **os.environ, "SFSEG_INSTANCE_URL": org.url, "SFSEG_LOGIN_URL": org.url,  # type: ignore[attr-defined]
        "SFSEG_FLOW": "client_credentials", "SFSEG_CLIENT_ID": org.client_id,  # type: ignore[attr-defined]
        "SFSEG_CLIENT_SECRET": org.client_secret, "SFSEG_API_VERSION": org.api_version,  # type: ignore[attr-defined]
        "SFSEG_DATABASE_URL": store_url,
    }  # fmt: skip
    env.pop("SFSEG_PROFILE", None)
    command = [
        str(Path(sys.executable).with_name("sfseg")),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sfseg serve did not start; run it by hand to see why")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="job worker threads of the service")
    options = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="sfseg-load-") as scratch,
        run_sandbox(seed="sample") as org,
    ):
        store_url = f"sqlite:///{Path(scratch) / 'service.db'}"
        with Store(store_url) as store:
            _info, key = create_key(store, "load")
        rows = org.state.org.store.connection.execute(
            "SELECT Id FROM Contact WHERE MailingCountry = 'United States' AND IsDeleted = 0 ORDER BY Id LIMIT 400"
        )
        contacts = [row[0] for row in rows]
        with serve_process(org, store_url, options.workers) as url:
            fixture = prepare(url, key, contacts)
            requests = build_requests(options.requests, fixture)
            latencies, errors, elapsed = asyncio.run(run_load(url, key, requests, options.clients))
    report(latencies, errors, elapsed, options.clients)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
