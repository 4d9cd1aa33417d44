"""API calls and time of the standard segment analysis at 1,000 and 100,000 members.

Runs a sandbox org seeded with `synthetic:N` contacts and `--latency-ms` added to every
API call. For each size it opens a new store, creates two contact segments (the
first of a store also makes the analysis report and reads the planning statistics),
puts the first 1,000 contacts in the other one and the first SIZE contacts in the
measured one (through the sandbox's own DML, so setting up is not measured), and
analyzes the measured segment four times:

- `first_analysis`: right after the segments were created.
- `population_expired`: the stored population counts are older than 24 hours, so the
  population is counted again.
- `population_reused`: the population counts are reused (the default within 24 hours).
- `no_statistics`: no planning statistics stored (a store whose segments all target
  leads and contacts both, say), so the analysis reads them before it plans.

    python benchmarks/analyze_calls.py --contacts 120000 --latency-ms 100
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from org_members import add_contact_members

from sfseg.salesforce import ConnectionSettings, SalesforceClient
from sfseg.sandbox.server import run_sandbox
from sfseg.segments.analyze import POPULATION_MAX_AGE, POPULATION_STATE_PREFIX, analyze_segment
from sfseg.segments.analyze.statistics import STATISTICS_STATE_PREFIX
from sfseg.segments.create import create_segment
from sfseg.segments.store import Store, StoreState


def _client(info: Any) -> SalesforceClient:
    return SalesforceClient(
        ConnectionSettings(
            instance_url=info.url, login_url=info.url, api_version=info.api_version,
            flow="client_credentials", client_id=info.client_id, client_secret=info.client_secret,
        )
    )  # fmt: skip


def _population_rows(session: Any) -> Any:
    return session.query(StoreState).filter(StoreState.name.startswith(POPULATION_STATE_PREFIX))


def _forget_statistics(store: Store) -> None:
    with store.session() as session:
        for row in session.query(StoreState).filter(
            StoreState.name.startswith(POPULATION_STATE_PREFIX)
            | StoreState.name.startswith(STATISTICS_STATE_PREFIX)
        ):
            session.delete(row)


def _expire_population(store: Store) -> None:
    """Date the stored population counts back past their 24-hour reuse window."""
    long_ago = (dt.datetime.now(dt.UTC) - POPULATION_MAX_AGE - dt.timedelta(hours=1)).isoformat()
    with store.session() as session:
        for row in _population_rows(session):
            data = json.loads(row.value)
            data["as_of"] = long_ago
            row.value = json.dumps(data)


def _measure(client: SalesforceClient, store: Store, segment_id: str) -> dict[str, Any]:
    started = time.perf_counter()
    analysis = analyze_segment(client, store, segment_id)
    return {
        "api_calls": analysis.api_calls,
        "seconds": round(time.perf_counter() - started, 2),
        "members": analysis.size.members,
    }


def _measure_size(info: Any, client: SalesforceClient, store: Store, size: int) -> dict[str, Any]:
    criteria = "MailingCountry = 'United States'"
    other = create_segment(client, store, f"Other {size}", criteria)
    created = create_segment(client, store, f"Bench {size}", criteria)
    assert other.campaign_id is not None and created.campaign_id is not None
    assert created.segment is not None
    add_contact_members(info, other.campaign_id, 1000)
    add_contact_members(info, created.campaign_id, size)
    segment_id = created.segment.id

    first = _measure(client, store, segment_id)
    _expire_population(store)
    expired = _measure(client, store, segment_id)
    reused = _measure(client, store, segment_id)
    _forget_statistics(store)
    unplanned = _measure(client, store, segment_id)
    return {
        "members": size,
        "first_analysis": first,
        "population_expired": expired,
        "population_reused": reused,
        "no_statistics": unplanned,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--contacts", type=int, default=120_000, help="synthetic org size (contacts)"
    )
    parser.add_argument(
        "--latency-ms", type=int, default=100, help="latency added to each API call"
    )
    parser.add_argument("--sizes", default="1000,100000", help="segment sizes, comma-separated")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    results = []
    with (
        tempfile.TemporaryDirectory() as scratch,
        run_sandbox(seed=f"synthetic:{args.contacts}", latency_ms=args.latency_ms) as info,
        _client(info) as client,
    ):
        for size in sizes:
            with Store(f"sqlite:///{Path(scratch) / f'sfseg-{size}.db'}") as store:
                row = _measure_size(info, client, store, size)
            results.append(row)
            print(json.dumps(row))
    print(
        json.dumps({"contacts": args.contacts, "latency_ms": args.latency_ms, "results": results})
    )


if __name__ == "__main__":
    main()
