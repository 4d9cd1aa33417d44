"""`sfseg assign` killed with SIGKILL mid-run, then `sfseg jobs resume`: exact membership."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfseg.sandbox.server import SandboxInfo, run_sandbox
from sfseg.segments import jobs
from sfseg.segments.store import Store
from sfseg.segments.store.models import Segment

CUSTOMERS = 20_000
# Each API request waits this long in the sandbox, so the run lasts long enough to be
# killed in the middle.
LATENCY_MS = 150
RUN_CLI = "from sfseg.cli.main import main; main()"


@pytest.fixture
def served() -> Iterator[SandboxInfo]:
    with run_sandbox(seed="empty") as info:
        yield info


def _environment(info: SandboxInfo, database: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SFSEG_")}
    env.update({
        "SFSEG_INSTANCE_URL": info.url, "SFSEG_LOGIN_URL": info.url, "SFSEG_FLOW": "client_credentials",
        "SFSEG_CLIENT_ID": info.client_id, "SFSEG_CLIENT_SECRET": info.client_secret,
        "SFSEG_API_VERSION": info.api_version, "SFSEG_DATABASE_URL": f"sqlite:///{database}",
        "SFSEG_DATA_DIR": str(database.parent),
    })  # fmt: skip
    return env


def _member_count(info: SandboxInfo, campaign_id: str) -> tuple[int, int]:
    org = info.state.org
    with org.store.lock:
        row = org.store.connection.execute(
            "SELECT COUNT(*), COUNT(DISTINCT ContactId) FROM CampaignMember "
            "WHERE CampaignId = ? AND IsDeleted = 0",
            (campaign_id,),
        ).fetchone()
    return int(row[0]), int(row[1])


@pytest.mark.slow
def test_kill_then_resume_exact(served: SandboxInfo, tmp_path: Path) -> None:
    """A run killed mid-write and resumed ends with exactly one member per customer."""
    org = served.state.org
    campaign_id = org.create("Campaign", {"Name": "Kill test"})
    with org.transaction():
        contacts = [org.create("Contact", {"LastName": f"k{i}"}) for i in range(CUSTOMERS)]
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(contacts) + "\n", encoding="utf-8")

    database = tmp_path / "store.db"
    with Store(f"sqlite:///{database}") as store, store.session() as session:
        session.add(Segment(id="seg_kill00000001", key="kill", name="Kill", target="contact",
                            criteria_kind="where", criteria_text="LastName != null",
                            campaign_id=campaign_id))  # fmt: skip
    env = _environment(served, database)
    served.state.latency_ms = LATENCY_MS

    command = [sys.executable, "-c", RUN_CLI, "assign", "seg_kill00000001", "--file", str(ids_file),
               "--route", "rest", "--json"]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _member_count(served, campaign_id)[0] < 3000:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        assert time.monotonic() < deadline, "the assignment never got going"
        time.sleep(0.01)
    process.kill()
    process.wait()
    killed_at = _member_count(served, campaign_id)[0]
    assert 0 < killed_at < CUSTOMERS

    with Store(f"sqlite:///{database}") as store:
        (summary,) = jobs.list_jobs(store)
    assert summary.state == "running"

    served.state.latency_ms = 0
    resumed = subprocess.run(
        [sys.executable, "-c", RUN_CLI, "jobs", "resume", summary.id, "--json"],
        env=env, capture_output=True, timeout=300, check=False,
    )
    assert resumed.returncode == 0, resumed.stderr.decode()
    result = json.loads(resumed.stdout)

    assert _member_count(served, campaign_id) == (CUSTOMERS, CUSTOMERS)
    assert result["state"] == "succeeded"
    assert result["counts"]["created"] + result["counts"]["already_member"] == CUSTOMERS
    assert result["counts"]["failed"] == 0
    assert result["counts"]["pending"] == 0
