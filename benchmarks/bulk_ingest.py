"""Benchmark: write CampaignMembers through Bulk API 2.0 end to end.

    python benchmarks/bulk_ingest.py [--members 100000]

Creates the Contacts through Bulk too (reported separately) and reads their ids back
with a Bulk query. Then it times `client.bulk2.ingest("CampaignMember", "insert", ...)`
and reports wall time, API calls and the client's peak Python memory during the ingest
(tracemalloc). The input list is built before measuring and reported on its own.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

from bulk_common import connect, sandbox_process

from sfseg.salesforce.bulk2 import Bulk2, PollPolicy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()

    with sandbox_process() as info, connect(info) as client:
        bulk = Bulk2(client, poll=PollPolicy(initial=0.2, maximum=2.0))

        started = time.perf_counter()
        contacts = bulk.ingest("Contact", "insert", ({"LastName": f"Member {i:06d}"} for i in range(args.members)))
        print(f"contacts: {contacts.succeeded} written in {time.perf_counter() - started:.1f} s, "
              f"{contacts.api_calls} API calls")

        campaign_id = client.create("Campaign", {"Name": "Bulk benchmark"})
        ids = [row["Id"] for row in bulk.query("SELECT Id FROM Contact")]
        tracemalloc.start()
        records = [{"CampaignId": campaign_id, "ContactId": contact_id} for contact_id in ids]
        input_bytes = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]

        started = time.perf_counter()
        result = bulk.ingest("CampaignMember", "insert", records)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] - before
        tracemalloc.stop()

    print(f"members: {result.succeeded} written, {result.failed} failed, {len(result.job_ids)} job(s)")
    print(f"wall time: {elapsed:.1f} s ({result.succeeded / elapsed:,.0f} records/s)")
    print(f"API calls: {result.api_calls}")
    print(f"client peak memory during ingest: {peak / 1e6:.1f} MB (input list: {input_bytes / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
