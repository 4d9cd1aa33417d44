"""Assign 10,000 customers given by email on the REST route, against a sandbox with latency.

    python benchmarks/assign_rest.py [--customers 10000] [--latency-ms 100]

Prints API calls (sfseg's count and the sandbox's), wall time, the CPU time of the
sfseg process alone (the sandbox runs in another process) and the outcome counts.
Targets: at most 20 API calls, reconciliation included, and at most 10 s.
"""

from __future__ import annotations

import argparse
import json
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=100)
    args = parser.parse_args()

    directory = workdir()
    org = prepare_org_elsewhere(directory / "org.db", args.customers)
    store = make_store(directory, org.campaign_id)
    with serve(org.db_path, args.latency_ms) as served, connect(served) as client:
        client.limits()  # fetch the token outside the timed run
        reset_stats(served)
        calls_before = client.api_calls
        started, cpu_started = time.perf_counter(), time.process_time()
        result = assign_customers(client, store, SEGMENT_ID, org.emails, id_field="Email", route="rest")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        stats = sandbox_stats(served)

    print(json.dumps({
        "benchmark": "assign_rest", "customers": args.customers, "latency_ms": args.latency_ms,
        "api_calls": client.api_calls - calls_before, "sandbox_api_calls": stats["api_calls"],
        "calls_by_route": stats["api_calls_by_route"], "seconds": round(elapsed, 2), "client_cpu_seconds": round(cpu, 2),
        "state": result.state, "counts": result.counts,
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
