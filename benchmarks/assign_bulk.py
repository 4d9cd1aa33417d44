"""Assign 100,000 customers given by Contact id on the Bulk route, against a sandbox with latency.

    python benchmarks/assign_bulk.py [--customers 100000] [--latency-ms 100]

Prints API calls split into Bulk job polls and everything else, wall time and the
outcome counts. Target: at most 15 API calls plus polls.
"""

from __future__ import annotations

import argparse
import json
import re
import time

from assign_common import (
    SEGMENT_ID,
    connect,
    make_store,
    prepare_org_elsewhere,
    reset_stats,
    sandbox_stats,
    serve,
    workdir,
)

from sfseg.segments.assign import assign_customers

# A poll is a GET of one job's state: /jobs/ingest/{id} or /jobs/query/{id}.
_POLL = re.compile(r"^GET /jobs/(ingest|query)/\{?[A-Za-z0-9_]+\}?$")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=int, default=100)
    args = parser.parse_args()

    directory = workdir()
    org = prepare_org_elsewhere(directory / "org.db", args.customers)
    store = make_store(directory, org.campaign_id)
    with serve(org.db_path, args.latency_ms) as served, connect(served) as client:
        client.limits()  # fetch the token outside the timed run
        reset_stats(served)
        calls_before = client.api_calls
        started = time.perf_counter()
        result = assign_customers(client, store, SEGMENT_ID, org.contact_ids, id_field="Id", route="bulk")
        elapsed = time.perf_counter() - started
        stats = sandbox_stats(served)

    by_route: dict[str, int] = stats["api_calls_by_route"]
    polls = sum(count for route, count in by_route.items() if _POLL.match(route))
    print(json.dumps({
        "benchmark": "assign_bulk", "customers": args.customers, "latency_ms": args.latency_ms,
        "api_calls": client.api_calls - calls_before, "sandbox_api_calls": stats["api_calls"],
        "polls": polls, "calls_without_polls": stats["api_calls"] - polls,
        "calls_by_route": by_route, "seconds": round(elapsed, 2),
        "state": result.state, "counts": result.counts,
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
