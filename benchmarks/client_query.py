"""Benchmark: iterate a REST query over N sandbox contacts with `SalesforceClient.query`.

The sandbox runs in a child process (seed `synthetic:N`), so CPU and memory
figures are the client's alone. Records per second are wall-clock and include the
sandbox's serving time. The script also reports client CPU seconds per 10,000
records and the peak of Python memory traced while iterating. Memory should stay
flat as N grows, because the iterator keeps at most two pages (2,000 records each)
at a time.

Usage:
    python benchmarks/client_query.py --counts 50000 200000
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
import tracemalloc
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

SOQL = "SELECT Id, FirstName, LastName, Email, Phone, MailingCity, CreatedDate, LastModifiedDate FROM Contact"


def _serve(count: int, pipe: Connection) -> None:
    from sfseg.sandbox.server import run_sandbox

    with run_sandbox(seed=f"synthetic:{count}", api_limit=10_000_000) as info:
        pipe.send((info.url, info.client_id, info.client_secret, info.api_version))
        pipe.recv()  # blocks until the parent sends the stop message


@dataclass
class Result:
    count: int
    seconds: float
    cpu_seconds: float
    peak_bytes: int
    api_calls: int

    def row(self) -> str:
        rate = self.count / self.seconds
        cpu_per_10k = self.cpu_seconds / self.count * 10_000
        return (
            f"| {self.count:,} | {self.seconds:.1f} | {rate:,.0f} | {cpu_per_10k:.2f} | "
            f"{self.peak_bytes / 1e6:.1f} | {self.api_calls} |"
        )


def _iterate(settings: Any, *, trace: bool) -> tuple[int, float, float, int, int]:
    from sfseg.salesforce import SalesforceClient

    with SalesforceClient(settings) as client:
        client.describe("Contact")  # describe is cached; keep it out of the timing
        if trace:
            tracemalloc.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        rows = sum(1 for _ in client.query(SOQL))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        return rows, seconds, cpu, peak, client.api_calls


def measure(count: int) -> Result:
    from sfseg.salesforce import ConnectionSettings

    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(count, child))
    process.start()
    try:
        url, client_id, client_secret, api_version = parent.recv()
        settings = ConnectionSettings(
            instance_url=url, login_url=url, client_id=client_id, client_secret=client_secret, api_version=api_version
        )
        rows, seconds, cpu, _, calls = _iterate(settings, trace=False)
        traced_rows, _, _, peak, _ = _iterate(settings, trace=True)
        if rows != count or traced_rows != count:
            msg = f"expected {count} rows, got {rows} and {traced_rows}"
            raise RuntimeError(msg)
        return Result(count, seconds, cpu, peak, calls)
    finally:
        parent.send("stop")
        process.join(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[50_000, 200_000])
    args = parser.parse_args()
    print("| records | seconds | records/s | client CPU s per 10,000 | peak traced MB | API calls |")
    print("|---:|---:|---:|---:|---:|---:|")
    for count in args.counts:
        print(measure(count).row(), flush=True)


if __name__ == "__main__":
    main()
