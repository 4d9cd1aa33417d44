"""The job journal: items written up front, attempts before sending, outcomes per chunk."""

from __future__ import annotations

import pytest

from sfseg.segments import jobs
from sfseg.segments.customers import parse_customers
from sfseg.segments.jobs import ItemState, JobNotFoundError, JobState
from sfseg.segments.plan import Action, Outcome
from sfseg.segments.store import Store
from sfseg.segments.store.models import Segment

ACCOUNT = "001D000000IqhSLIAZ"


@pytest.fixture
def store(any_store: Store) -> Store:
    """A store on each backend (SQLite, and PostgreSQL when configured) with one segment."""
    with any_store.session() as session:
        session.add(Segment(id="seg_000000000001", key="k1", name="Jobs", target="contact",
                            criteria_kind="where", criteria_text="Email != null",
                            campaign_id="701000000000001AAA"))  # fmt: skip
    return any_store


def _job(store: Store, values: list[str]) -> tuple[str, list[ItemState]]:
    return jobs.create_job(
        store, segment_id="seg_000000000001", kind="assign", mode="add", route="rest",
        status_label=None, id_field="auto", params={}, customers=parse_customers(values),
    )


def test_items_written_up_front(store: Store) -> None:
    """Every customer gets a pending item, rejected values a skipped one."""
    job_id, items = _job(store, ["a@x.io", ACCOUNT, "b@x.io"])
    loaded = jobs.load_items(store, job_id)
    assert [(i.customer_id, i.outcome) for i in loaded] == [
        ("a@x.io", Outcome.PENDING),
        ("b@x.io", Outcome.PENDING),
        (ACCOUNT, Outcome.SKIPPED),
    ]
    assert loaded[2].reason == "wrong_object"
    assert all(item.item_id is not None for item in items)


def test_sent_without_answer_is_unknown(store: Store) -> None:
    """An item marked sent without a recorded response reads back with an unknown outcome."""
    job_id, items = _job(store, ["a@x.io", "b@x.io"])
    jobs.mark_sent(store, items[:1])
    loaded = jobs.load_items(store, job_id)
    assert loaded[0].attempts == 1
    assert loaded[0].outcome_unknown
    assert not loaded[1].outcome_unknown


def test_outcomes_saved(store: Store) -> None:
    """Saved outcomes read back with code, message, fields and member id."""
    job_id, items = _job(store, ["a@x.io", "b@x.io"])
    items[0].action = Action.ADD
    items[0].member_id = "00v000000000001AAA"
    items[0].settle(Outcome.CREATED)
    items[1].action = Action.ADD
    items[1].settle(Outcome.FAILED, error_code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    message="blocked", fields=["Status"])
    jobs.save_items(store, items)
    loaded = jobs.load_items(store, job_id)
    assert loaded[0].outcome is Outcome.CREATED
    assert loaded[0].member_id == "00v000000000001AAA"
    assert loaded[1].error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert loaded[1].fields == ["Status"]
    assert jobs.count_outcomes(store, job_id)["failed"] == 1


def test_state_and_listing(store: Store) -> None:
    """A job's state, calls and counts show in get_job and list_jobs."""
    job_id, _ = _job(store, ["a@x.io"])
    jobs.set_job_state(store, job_id, JobState.RUNNING, api_calls=3)
    jobs.set_job_state(store, job_id, JobState.SUCCEEDED, api_calls=5)
    summary = jobs.get_job(store, job_id)
    assert summary.state == "succeeded"
    assert summary.api_calls == 5
    assert summary.started_at is not None
    assert summary.finished_at is not None
    assert summary.counts["pending"] == 1
    assert [j.id for j in jobs.list_jobs(store)] == [job_id]


def test_unknown_job(store: Store) -> None:
    """Reading a job that does not exist names it."""
    with pytest.raises(JobNotFoundError, match="job_missing"):
        jobs.get_job(store, "job_missing")


@pytest.mark.parametrize(
    ("outcomes", "state"),
    [
        ([Outcome.CREATED, Outcome.SKIPPED], JobState.SUCCEEDED),
        ([Outcome.FAILED, Outcome.FAILED], JobState.FAILED),
        ([Outcome.FAILED, Outcome.SKIPPED], JobState.FAILED),
        ([Outcome.FAILED, Outcome.ALREADY_MEMBER], JobState.PARTIAL),
        ([Outcome.SKIPPED], JobState.SUCCEEDED),
    ],
)
def test_final_state(outcomes: list[Outcome], state: JobState) -> None:
    """Every written row failed → failed; some → partial; skipped rows are not failures."""
    items = [ItemState(i, str(i), outcome=o) for i, o in enumerate(outcomes)]
    assert jobs.final_state(items) is state
