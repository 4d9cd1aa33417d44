"""The segments store on SQLite and, when SFSEG_TEST_POSTGRES_URL is set, PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError, StatementError

from sfseg.segments import settings
from sfseg.segments.store import (
    AmbiguousSegmentError,
    Job,
    JobItem,
    MembershipEvent,
    Segment,
    SegmentNotFoundError,
    Store,
    normalize_url,
)
from sfseg.segments.store.models import Base

ALL_TABLES = {"segments", "jobs", "job_items", "membership_events", "error_log", "store_state"}
CAMPAIGN_18 = "701000000000001AAA"


def _segment(
    name: str = "Bankers", key: str = "k-1", campaign_id: str | None = CAMPAIGN_18
) -> Segment:
    return Segment(
        key=key,
        name=name,
        target="contact",
        criteria_kind="where",
        criteria_text="MailingCountry = 'US'",
        soql_contact="SELECT Id FROM Contact WHERE MailingCountry = 'US'",
        campaign_id=campaign_id,
        statuses=[{"label": "Added", "is_default": True, "has_responded": False}],
    )


def test_open_migrates_to_head(any_store: Store) -> None:
    """Opening a store creates every table at the newest revision."""
    tables = set(inspect(any_store.engine).get_table_names())
    assert tables >= ALL_TABLES
    assert any_store.current_revision() == any_store.head_revision()
    assert any_store.head_revision() is not None


def test_migration_matches_models(any_store: Store) -> None:
    """The migration builds exactly the schema the ORM models describe."""
    with any_store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_reopen_keeps_data(store_url: str) -> None:
    """A second open of the same database finds the schema current and the rows kept."""
    with Store(store_url) as first, first.session() as session:
        session.add(_segment())
    with Store(store_url) as second:
        assert second.current_revision() == second.head_revision()
        assert [s.name for s in second.list_segments()] == ["Bankers"]


def test_segment_round_trip(any_store: Store) -> None:
    """A segment keeps its JSON statuses and reads back aware UTC times."""
    with any_store.session() as session:
        segment = _segment()
        session.add(segment)
    loaded = any_store.get_segment(segment.id)
    assert loaded.id.startswith("seg_")
    assert len(loaded.id) == 16
    assert loaded.statuses == [{"label": "Added", "is_default": True, "has_responded": False}]
    assert loaded.created_at.tzinfo == dt.UTC
    assert abs(loaded.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_naive_datetime_rejected(any_store: Store) -> None:
    """A naive datetime never reaches the database, because its zone would be a guess."""
    with pytest.raises(StatementError, match="naive datetime"), any_store.session() as session:
        segment = _segment()
        segment.created_at = dt.datetime(2026, 1, 1)
        session.add(segment)
        session.flush()


def test_duplicate_name_rejected(any_store: Store) -> None:
    """Two segments cannot share a name, so a name finds exactly one."""
    with any_store.session() as session:
        session.add(_segment())
    with pytest.raises(IntegrityError), any_store.session() as session:
        session.add(_segment(key="k-2"))


def test_job_item_unique_per_customer(any_store: Store) -> None:
    """A job has one item per customer id."""
    with any_store.session() as session:
        segment = _segment()
        job = Job(segment=segment, kind="assign", mode="add", route="rest")
        session.add_all([segment, job])
        session.add(JobItem(job=job, seq=0, customer_id="a@example.com"))
    with pytest.raises(IntegrityError), any_store.session() as session:
        session.add(JobItem(job_id=job.id, seq=1, customer_id="a@example.com"))


def test_segment_delete_cascades(any_store: Store) -> None:
    """Deleting a segment deletes its jobs, items and membership events in the database."""
    with any_store.session() as session:
        segment = _segment()
        job = Job(segment=segment, kind="assign", mode="add", route="rest")
        session.add_all([segment, job])
        session.add(JobItem(job=job, seq=0, customer_id="003000000000001AAA"))
        session.flush()
        session.add(
            MembershipEvent(
                segment_id=segment.id,
                record_id="003000000000001AAA",
                object="Contact",
                event="entered",
            )
        )
    with any_store.session() as session:
        session.delete(session.get(Segment, segment.id))
    with any_store.session() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 0
        assert session.scalar(select(func.count()).select_from(JobItem)) == 0
        assert session.scalar(select(func.count()).select_from(MembershipEvent)) == 0


@pytest.mark.parametrize(
    "reference",
    ["Bankers", "k-1", CAMPAIGN_18, CAMPAIGN_18[:15]],
)
def test_find_segment_by_reference(any_store: Store, reference: str) -> None:
    """A segment is found by name, key, and its Campaign id in 15 or 18 characters."""
    with any_store.session() as session:
        session.add(_segment())
    assert any_store.get_segment(reference).name == "Bankers"


def test_find_segment_unknown(any_store: Store) -> None:
    """An unknown reference names itself and the command that lists segments."""
    with pytest.raises(SegmentNotFoundError, match=r"'nope' not found; run `sfseg segments list`"):
        any_store.get_segment("nope")


def test_find_segment_ambiguous(any_store: Store) -> None:
    """A reference that is one segment's name and another's key is reported, not guessed."""
    with any_store.session() as session:
        session.add(_segment(name="alpha", key="beta", campaign_id=None))
        session.add(_segment(name="beta", key="k-2", campaign_id=None))
    with pytest.raises(AmbiguousSegmentError, match="matches several segments"):
        any_store.get_segment("beta")


def test_state_values(any_store: Store) -> None:
    """Named values are set, replaced and removed."""
    assert any_store.get_state("analysis_report_id") is None
    any_store.set_state("analysis_report_id", "00O000000000001AAA")
    any_store.set_state("analysis_report_id", "00O000000000002AAA")
    assert any_store.get_state("analysis_report_id") == "00O000000000002AAA"
    any_store.set_state("analysis_report_id", None)
    assert any_store.get_state("analysis_report_id") is None


def test_concurrent_item_writes(any_store: Store) -> None:
    """Eight threads writing items at once lose none of them."""
    with any_store.session() as session:
        segment = _segment()
        job = Job(segment=segment, kind="assign", mode="add", route="rest")
        session.add_all([segment, job])

    def write(worker: int) -> None:
        for n in range(25):
            with any_store.session() as session:
                session.add(
                    JobItem(job_id=job.id, seq=worker * 100 + n, customer_id=f"c{worker}-{n}")
                )

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with any_store.session() as session:
        assert session.scalar(select(func.count()).select_from(JobItem)) == 200


def test_default_url_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without a URL the store uses SFSEG_DATABASE_URL, else sfseg.db in the data directory."""
    monkeypatch.delenv(settings.DATABASE_URL_ENV, raising=False)
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "data"))
    with Store() as store:
        assert store.url == f"sqlite:///{tmp_path / 'data' / 'sfseg.db'}"
        assert store.errors_path == tmp_path / "data" / "errors.jsonl"
    monkeypatch.setenv(settings.DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'other.db'}")
    with Store() as store:
        assert store.url.endswith("other.db")
        assert store.errors_path == tmp_path / "errors.jsonl"


def test_repr_hides_password() -> None:
    """The store's repr never shows a database password."""
    store = Store("postgresql+psycopg://sfseg:hunter2@127.0.0.1:1/sfseg", migrate=False)
    assert "hunter2" not in repr(store)
    assert "***" in repr(store)


def _open_store(url: str) -> str | None:
    with Store(url) as store:
        return store.current_revision()


@pytest.mark.slow  # spawns four Python processes
def test_processes_open_new_store_at_once(store_url: str) -> None:
    """Four processes opening one new store at once all end at the newest revision."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        revisions = pool.map(_open_store, [store_url] * 4)
    with Store(store_url) as store:
        head = store.head_revision()
    assert revisions == [head] * 4


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@127.0.0.1:5432/db", "postgresql+psycopg://u:p@127.0.0.1:5432/db"),
        ("postgres://127.0.0.1/db", "postgresql+psycopg://127.0.0.1/db"),
        ("postgresql+psycopg://127.0.0.1/db", "postgresql+psycopg://127.0.0.1/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_postgres_url_uses_psycopg(given: str, expected: str) -> None:
    """A bare PostgreSQL URL is opened with the psycopg 3 driver sfseg depends on."""
    assert normalize_url(given) == expected
