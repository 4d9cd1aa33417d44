"""Peak memory of resolving and planning 1,000,000 customer ids.

    python benchmarks/assign_memory.py [--customers 1000000] [--org-contacts 100000]

The ids are 1,000,000 distinct, well-formed Contact ids: the org's contacts first,
then ids no record has (reported `not_found`). They go through parsing, resolution
(a Bulk query of Contact and a local join, as for any list this large) and the plan.
This is what a dry run does, and nothing is written. The sandbox runs in its own
process, so the peak resident memory printed is sfseg's alone.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Iterator

from assign_common import (
    SEGMENT_ID,
    connect,
    make_store,
    peak_rss_mb,
    prepare_org_elsewhere,
    serve,
    workdir,
)

from sfseg.segments.assign import assign_customers
from sfseg.segments.customers import parse_customers
from sfseg.segments.plan import Mode, build_plan
from sfseg.segments.resolve import resolve_customers
from sfseg.soql import ids


def synthetic_contact_ids(count: int) -> Iterator[str]:
    # Key prefix 003, then a counter; `to_18` adds the case checksum.
    return (ids.to_18(f"003ZZ{i:010d}") for i in range(count))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--org-contacts", type=int, default=100_000)
    parser.add_argument(
        "--dry-run", action="store_true",
        help="measure `assign_customers(..., dry_run=True)` instead, which also builds one result item per customer",
    )  # fmt: skip
    args = parser.parse_args()

    directory = workdir()
    org = prepare_org_elsewhere(directory / "org.db", args.org_contacts)
    values = itertools.chain(org.contact_ids, synthetic_contact_ids(args.customers - len(org.contact_ids)))
    baseline = peak_rss_mb()

    if args.dry_run:
        store = make_store(directory, org.campaign_id)
        with serve(directory / "org.db", 0) as served, connect(served) as client:
            started = time.perf_counter()
            result = assign_customers(client, store, SEGMENT_ID, values, id_field="Id", dry_run=True)
            elapsed = time.perf_counter() - started
        print(json.dumps({
            "benchmark": "assign_memory_dry_run", "customers": args.customers, "plan": result.plan,
            "api_calls": result.api_calls, "seconds": round(elapsed, 2),
            "peak_rss_mb_before": round(baseline, 1), "peak_rss_mb": round(peak_rss_mb(), 1),
        }, indent=2))  # fmt: skip
        return

    with serve(directory / "org.db", 0) as served, connect(served) as client:
        started = time.perf_counter()
        customers = parse_customers(values, id_field="Id")
        resolution = resolve_customers(client, customers.customers, id_field="Id")
        plan = build_plan(Mode.ADD, resolution.resolved)
        elapsed = time.perf_counter() - started
        calls = client.api_calls

    print(json.dumps({
        "benchmark": "assign_memory", "customers": args.customers, "org_contacts": args.org_contacts,
        "resolved": len(resolution.resolved), "not_found": len(resolution.unresolved),
        "planned_rows": len(plan.rows), "route": plan.route.value, "api_calls": calls,
        "seconds": round(elapsed, 2), "peak_rss_mb_before": round(baseline, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
