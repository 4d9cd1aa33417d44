"""Benchmark: read rows through a Bulk API 2.0 query at flat client memory.

    python benchmarks/bulk_query.py [--rows 1000000] [--page-size 50000]

The sandbox (in a child process) contains `--rows` Contacts written straight to its
tables. The client streams `SELECT Id, LastName, Email, CreatedDate FROM Contact` and
records its Python memory (tracemalloc) every 100,000 rows: flat memory means the
figures stay near one page's worth however many rows have been read.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

from bulk_common import connect, sandbox_process

from sfseg.salesforce.bulk2 import Bulk2, PollPolicy

_SAMPLE_EVERY = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--page-size", type=int, default=50_000)
    args = parser.parse_args()

    with sandbox_process(direct_contacts=args.rows) as info, connect(info) as client:
        bulk = Bulk2(client, poll=PollPolicy(initial=0.2, maximum=2.0), page_size=args.page_size)
        calls_before = client.api_calls
        tracemalloc.start()
        samples: list[tuple[int, float]] = []
        count = 0
        started = time.perf_counter()
        for _row in bulk.query("SELECT Id, LastName, Email, CreatedDate FROM Contact"):
            count += 1
            if count % _SAMPLE_EVERY == 0:
                samples.append((count, tracemalloc.get_traced_memory()[0] / 1e6))
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        calls = client.api_calls - calls_before

    print(f"rows: {count:,} in {elapsed:.1f} s ({count / elapsed:,.0f} rows/s), {calls} API calls")
    print(f"client peak memory: {peak:.1f} MB")
    print("memory while reading (rows: MB): " + ", ".join(f"{n:,}: {mb:.1f}" for n, mb in samples))


if __name__ == "__main__":
    main()
