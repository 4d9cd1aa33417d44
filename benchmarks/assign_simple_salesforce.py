"""The same assignments done with simple-salesforce the obvious way, for comparison.

    python benchmarks/assign_simple_salesforce.py [--sample 500] [--customers 10000]
        [--bulk-customers 100000] [--latency-ms 100]

- REST: for each customer given by email, one query for the contact (`format_soql`,
  the library's own escaping) and one `CampaignMember.create`. Run on `--sample`
  customers and extrapolated linearly to `--customers` (the cost per customer is
  constant: two calls and two round trips).
- Bulk: `sf.bulk2.CampaignMember.insert(records=...)` with the library's defaults,
  on `--bulk-customers` contact ids (no resolution step: the ids are trusted as given).

simple-salesforce builds `https://` URLs only, so this sandbox serves TLS with its own CA.
"""

from __future__ import annotations

import argparse
import json
import time

import httpx
import requests
from assign_common import (
    Served,
    peak_rss_mb,
    prepare_org_elsewhere,
    reset_stats,
    sandbox_stats,
    serve,
    workdir,
)
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce, format_soql
from urllib3.util.retry import Retry


def login(served: Served) -> Salesforce:
    response = httpx.post(
        f"{served.url}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": served.client_id,
              "client_secret": served.client_secret},  # fmt: skip
        verify=served.ca_file or True,
        timeout=30,
    )
    response.raise_for_status()
    session = requests.Session()
    session.verify = served.ca_file or True
    session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise replace the sandbox CA
    # While a large ingest job is being processed, the sandbox sometimes closes a poll's
    # connection without a response. The default Retry methods exclude POST and PATCH,
    # so only the idempotent calls (the polls and result reads) are retried.
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=5, connect=5, read=5, backoff_factor=0.5)))
    return Salesforce(instance_url=served.url, session_id=response.json()["access_token"],
                      session=session, version=served.api_version)  # fmt: skip


def rest_sample(args: argparse.Namespace) -> dict[str, object]:
    directory = workdir()
    org = prepare_org_elsewhere(directory / "org.db", args.sample)
    with serve(org.db_path, args.latency_ms, tls=True) as served:
        sf = login(served)
        reset_stats(served)
        started = time.perf_counter()
        for email in org.emails:
            found = sf.query(format_soql("SELECT Id FROM Contact WHERE Email = {}", email))
            for record in found["records"]:
                sf.CampaignMember.create({"CampaignId": org.campaign_id, "ContactId": record["Id"]})
        elapsed = time.perf_counter() - started
        calls = sandbox_stats(served)["api_calls"]
    scale = args.customers / args.sample
    return {
        "sample": args.sample, "sample_api_calls": calls, "sample_seconds": round(elapsed, 2),
        "extrapolated_customers": args.customers,
        "extrapolated_api_calls": round(calls * scale), "extrapolated_seconds": round(elapsed * scale, 1),
    }  # fmt: skip


def bulk_insert(args: argparse.Namespace) -> dict[str, object]:
    directory = workdir()
    org = prepare_org_elsewhere(directory / "org.db", args.bulk_customers)
    with serve(org.db_path, args.latency_ms, tls=True) as served:
        sf = login(served)
        reset_stats(served)
        started = time.perf_counter()
        records = [{"CampaignId": org.campaign_id, "ContactId": contact_id} for contact_id in org.contact_ids]
        results = sf.bulk2.CampaignMember.insert(records=records)
        elapsed = time.perf_counter() - started
        stats = sandbox_stats(served)
    return {
        "customers": args.bulk_customers, "api_calls": stats["api_calls"],
        "calls_by_route": stats["api_calls_by_route"], "seconds": round(elapsed, 1),
        "results": results,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--bulk-customers", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--skip-bulk", action="store_true")
    args = parser.parse_args()

    rest = rest_sample(args)
    print(json.dumps({"benchmark": "assign_simple_salesforce_rest", "latency_ms": args.latency_ms, **rest}), flush=True)
    if not args.skip_bulk:
        bulk = bulk_insert(args)
        print(json.dumps({"benchmark": "assign_simple_salesforce_bulk2", "latency_ms": args.latency_ms, **bulk}))
    print(json.dumps({"peak_rss_mb": round(peak_rss_mb(), 1)}))


if __name__ == "__main__":
    main()
