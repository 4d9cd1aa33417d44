"""API calls, time and peak memory of per-member metrics (`member_metrics`) of a large segment.

Runs a sandbox org seeded with `synthetic:N` contacts and `--latency-ms` added to every
API call, creates one contact segment and puts the first `--members` contacts in it
through the sandbox's own DML (so setting up is not measured). Then each route runs
`--repeat` times, each run in a new process, so that its memory is the client's
alone: the sandbox stays in this process.

Per run it records the API calls (`client.api_calls`), the seconds, the rows written,
the resident memory once the client is connected (`rss_start_mb`, VmRSS) and the
process's peak (`rss_peak_mb`, VmHWM, which includes the imports). `ru_maxrss` would
not do: Linux keeps it across exec, so a spawned child reports the parent's size, the
sandbox included. One more
run per route, not timed, traces Python allocations during `member_metrics` alone
(`heap_peak_mb`, tracemalloc). The summary gives the median of each timed measure.

    python benchmarks/member_metrics.py --contacts 120000 --members 100000 --latency-ms 100
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from org_members import add_contact_members

from sfseg.salesforce import ConnectionSettings, SalesforceClient
from sfseg.sandbox.server import run_sandbox
from sfseg.segments.create import create_segment
from sfseg.segments.store import Store

SEGMENT = "Bench members"


def _settings(info: Any) -> dict[str, str]:
    return {
        "instance_url": info.url, "login_url": info.url, "api_version": info.api_version,
        "flow": "client_credentials", "client_id": info.client_id, "client_secret": info.client_secret,
    }  # fmt: skip


def _status_mb(field: str) -> float:
    """Read a memory line of /proc/self/status (Linux), such as `VmRSS` or `VmHWM`, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == field:
            return round(int(value.split()[0]) / 1024, 1)
    msg = f"/proc/self/status has no {field} line; this benchmark reads memory on Linux only"
    raise RuntimeError(msg)


def _child(settings: dict[str, str], store_url: str, out: str, route: str, trace: bool, results: Any) -> None:
    from sfseg.segments.analyze.members import member_metrics

    with SalesforceClient(ConnectionSettings(**settings)) as client, Store(store_url) as store:
        client.describe("CampaignMember")  # connect and sign in before the clock starts
        start_mb = _status_mb("VmRSS")
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        result = member_metrics(client, store, SEGMENT, out, route=route)
        seconds = time.perf_counter() - started
        heap_peak = tracemalloc.get_traced_memory()[1] if trace else 0
    row = {
        "route": result.route, "rows": result.rows, "api_calls": result.api_calls,
        "seconds": round(seconds, 2), "rss_start_mb": start_mb, "rss_peak_mb": _status_mb("VmHWM"),
    }  # fmt: skip
    if trace:
        row = {"route": result.route, "heap_peak_mb": round(heap_peak / 2**20, 1)}
    results.put(row)


def _run_once(
    settings: dict[str, str], store_url: str, out: Path, route: str, *, trace: bool = False
) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_child, args=(settings, store_url, str(out), route, trace, results))
    process.start()
    row: dict[str, Any] = results.get()
    process.join()
    out.unlink()
    return row


def _median(runs: list[dict[str, Any]], key: str) -> Any:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=120_000, help="synthetic org size (contacts)")
    parser.add_argument("--members", type=int, default=100_000, help="segment members")
    parser.add_argument("--latency-ms", type=int, default=100, help="latency added to each API call")
    parser.add_argument("--routes", default="auto,rest", help="routes to measure, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per route")
    args = parser.parse_args()

    summary = []
    with (
        tempfile.TemporaryDirectory() as scratch,
        run_sandbox(seed=f"synthetic:{args.contacts}", latency_ms=args.latency_ms) as info,
    ):
        store_url = f"sqlite:///{Path(scratch) / 'sfseg.db'}"
        with SalesforceClient(ConnectionSettings(**_settings(info))) as client, Store(store_url) as store:
            created = create_segment(client, store, SEGMENT, "MailingCountry = 'United States'")
        assert created.campaign_id is not None
        add_contact_members(info, created.campaign_id, args.members)

        for route in args.routes.split(","):
            runs = []
            for _ in range(args.repeat):
                run = _run_once(_settings(info), store_url, Path(scratch) / "members.csv", route)
                print(json.dumps({"asked": route, **run}), flush=True)
                runs.append(run)
            traced = _run_once(_settings(info), store_url, Path(scratch) / "members.csv", route, trace=True)
            print(json.dumps({"asked": route, **traced}), flush=True)
            summary.append({
                "asked": route, "route": runs[0]["route"], "rows": runs[0]["rows"],
                **{key: _median(runs, key) for key in ("api_calls", "seconds", "rss_start_mb", "rss_peak_mb")},
                "heap_peak_mb": traced["heap_peak_mb"],
            })  # fmt: skip
    print(json.dumps({"contacts": args.contacts, "members": args.members,
                      "latency_ms": args.latency_ms, "repeat": args.repeat, "medians": summary}))  # fmt: skip


if __name__ == "__main__":
    main()
