"""Time seeding the sandbox org: `--seed sample` in memory, and `synthetic:N` into an
SQLite file (with the file's size).

Usage: python benchmarks/sandbox_seed.py [--contacts 1000000] [--sample-runs 5]

Wall time is `time.perf_counter()`; CPU time is this process's user + system time
(`resource.getrusage`), which stays comparable when other work shares the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from sfseg.sandbox.org import Org


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_open(db_path: str | None, seed: str) -> tuple[float, float, Org]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    org = Org.open(db_path, seed=seed)
    return time.perf_counter() - wall, cpu_seconds() - cpu, org


def bench_sample(runs: int) -> None:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu, org = time_open(None, "sample")
        org.close()
        walls.append(wall)
        cpus.append(cpu)
    print(f"sample: median {statistics.median(walls):.3f} s wall, "
          f"{statistics.median(cpus):.3f} s CPU over {runs} runs "
          f"(min {min(walls):.3f}, max {max(walls):.3f})")


def bench_synthetic(contacts: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "synthetic.db")
        wall, cpu, org = time_open(path, f"synthetic:{contacts}")
        rows = sum(org.store.count(sobject.name) for sobject in org.schema)
        org.close()
        size = os.path.getsize(path)
    print(f"synthetic:{contacts}: {wall:.1f} s wall, {cpu:.1f} s CPU, {rows:,} rows, "
          f"database file {size / 1e6:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000,
                        help="N of synthetic:N (default 1,000,000)")
    parser.add_argument("--sample-runs", type=int, default=5,
                        help="how many times to load the sample org (default 5)")
    arguments = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    bench_sample(arguments.sample_runs)
    bench_synthetic(arguments.contacts)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
