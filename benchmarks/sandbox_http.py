"""Benchmarks of the sandbox server: start-up, a collections insert, a query page.

Run: `python benchmarks/sandbox_http.py [--rounds 7]`. Prints a Markdown table.

- start-up: `sfseg sandbox serve --seed sample` from process launch until the ready
  file exists (the server accepts connections), and the same start in-process.
- collections insert: POST /composite/sobjects with 200 CampaignMember records into a
  new campaign of the sample org; the round trip on loopback (an upper bound of the
  server time) and the server's own time from its log line.
- query page: GET /query for a 2,000-row page of Contacts (the sample org plus 800 added
  contacts), round trip and server time.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from sfseg.sandbox.config import SandboxConfig
from sfseg.sandbox.server import SandboxInfo, SandboxServer, run_sandbox

QUERY = "SELECT Id, FirstName, LastName, Email, AccountId, MailingCity, CreatedDate FROM Contact"


class _ServerTimes(logging.Handler):
    """Collects the elapsed milliseconds of the gateway's one-line-per-request log."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[tuple[str, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        method, path, _status, elapsed = record.args  # type: ignore[misc]
        self.entries.append((f"{method} {path}", float(str(elapsed).removesuffix("ms"))))

    def after(self, seen: int, key: str) -> float:
        """Server milliseconds of the first request ending in `key` logged after entry `seen`.

        The gateway logs once the answer is sent, so the line may trail the client a little.
        """
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for name, ms in self.entries[seen:]:
                if name.endswith(key):
                    return ms
            time.sleep(0.001)
        raise SystemExit(f"no log line for {key}")


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.1f}"


def cli_startup(rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as directory:
            ready = Path(directory) / "ready.json"
            entry = "from sfseg.cli.main import main; main()"
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-c", entry, "sandbox", "serve", "--seed", "sample", "--ready-file", str(ready)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            while not ready.exists():
                if process.poll() is not None:
                    raise SystemExit("sfseg sandbox serve exited during start-up")
                time.sleep(0.01)
            times.append((time.perf_counter() - started) * 1000)
            process.terminate()
            process.wait(timeout=20)
    return times


def inprocess_startup(rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        server = SandboxServer(SandboxConfig(seed="sample"))
        server.start()
        times.append((time.perf_counter() - started) * 1000)
        server.stop()
    return times


def _client(info: SandboxInfo) -> httpx.Client:
    return httpx.Client(base_url=info.data_url, headers={"Authorization": f"Bearer {info.access_token()}"})


def member_inserts(client: httpx.Client, log: _ServerTimes, rounds: int) -> tuple[list[float], list[float]]:
    contacts = client.get("/query", params={"q": "SELECT Id FROM Contact LIMIT 200"}).json()["records"]
    round_trips, server = [], []
    for n in range(rounds):
        campaign_id = client.post("/sobjects/Campaign", json={"Name": f"Bench {n}"}).json()["id"]
        records = [
            {"attributes": {"type": "CampaignMember"}, "CampaignId": campaign_id, "ContactId": c["Id"], "Status": "Sent"}
            for c in contacts
        ]
        seen = len(log.entries)
        started = time.perf_counter()
        results = client.post("/composite/sobjects", json={"allOrNone": False, "records": records}).json()
        round_trips.append((time.perf_counter() - started) * 1000)
        server.append(log.after(seen, "/composite/sobjects"))
        assert sum(result["success"] for result in results) == 200, results[:2]
    return round_trips, server


def query_pages(client: httpx.Client, log: _ServerTimes, rounds: int) -> tuple[list[float], list[float]]:
    for start in range(0, 800, 200):
        records = [{"attributes": {"type": "Contact"}, "LastName": f"Bench{n}"} for n in range(start, start + 200)]
        client.post("/composite/sobjects", json={"records": records})
    round_trips, server = [], []
    for _ in range(rounds):
        seen = len(log.entries)
        started = time.perf_counter()
        page = client.get("/query", params={"q": QUERY}).json()
        round_trips.append((time.perf_counter() - started) * 1000)
        server.append(log.after(seen, "/query"))
        assert len(page["records"]) == 2_000, page.get("totalSize")
    return round_trips, server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    log = _ServerTimes()
    http_log = logging.getLogger("sfseg.sandbox.http")
    http_log.addHandler(log)
    http_log.setLevel(logging.INFO)

    results: dict[str, Any] = {
        "cli start-up ms": cli_startup(args.rounds),
        "in-process start-up ms": inprocess_startup(args.rounds),
    }
    with run_sandbox(seed="sample") as info, _client(info) as client:
        results["200 CampaignMember insert, round trip ms"], results["200 CampaignMember insert, server ms"] = (
            member_inserts(client, log, args.rounds)
        )
        results["2,000-row query page, round trip ms"], results["2,000-row query page, server ms"] = query_pages(
            client, log, args.rounds
        )

    print("| what | median ms | min ms | max ms |")
    print("|---|---:|---:|---:|")
    for name, values in results.items():
        print(f"| {name.removesuffix(' ms')} | {_median(values)} | {min(values):.1f} | {max(values):.1f} |")
    print(json.dumps({name: [round(v, 1) for v in values] for name, values in results.items()}))


if __name__ == "__main__":
    main()
