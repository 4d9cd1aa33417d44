"""`--id-field` is checked against describe before a job is written; an aborted job is always logged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sfseg.salesforce import SalesforceClient
from sfseg.sandbox.org import Org
from sfseg.sandbox.seeds.schema_file import add_custom_field
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments import jobs
from sfseg.segments.assign import assign_customers, resume_job
from sfseg.segments.customers import InputError, parse_customers
from sfseg.segments.errorlog import list_errors
from sfseg.segments.store import Store
from sfseg.segments.store.models import Segment


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'id_field.db'}") as opened:
        yield opened


def _org(info: SandboxInfo) -> Org:
    org: Org = info.state.org
    return org


def _segment(info: SandboxInfo, store: Store) -> str:
    campaign_id = _org(info).create("Campaign", {"Name": "Id field"})
    segment_id = "seg_" + campaign_id[-12:].lower()
    with store.session() as session:
        session.add(Segment(id=segment_id, key=f"key-{segment_id}", name="Id field", target="contact",
                            criteria_kind="where", criteria_text="Email != null",
                            campaign_id=campaign_id))  # fmt: skip
    return segment_id


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry run"])
def test_unknown_id_field_no_job(
    dry_run: bool, fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store
) -> None:
    """A field on neither Contact nor Lead is an input error naming it, and no job is written."""
    segment_id = _segment(fresh_sandbox, store)

    with pytest.raises(InputError, match="'Foo__c' is not a field of Contact or Lead") as raised:
        assign_customers(fresh_client, store, segment_id, ["X-1"], id_field="Foo__c", dry_run=dry_run)

    assert "External ID or unique" in str(raised.value.hint)
    assert jobs.list_jobs(store) == []
    assert list_errors(store) == []


def test_name_id_field_rejected(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """`Name` exists but may match several records or none, so it is rejected before any job."""
    segment_id = _segment(fresh_sandbox, store)

    with pytest.raises(InputError, match="'Name' cannot identify a customer") as raised:
        assign_customers(fresh_client, store, segment_id, ["Jane Doe"], id_field="Name")

    assert "Contact.Name" in str(raised.value)
    assert "neither a filterable External ID nor a unique field" in str(raised.value)
    assert jobs.list_jobs(store) == []


def test_plain_custom_field_rejected(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """A custom text field that is neither External ID nor unique is rejected."""
    add_custom_field(_org(fresh_sandbox).store, "Contact", "Region__c")
    segment_id = _segment(fresh_sandbox, store)

    with pytest.raises(InputError, match="'Region__c' cannot identify a customer"):
        assign_customers(fresh_client, store, segment_id, ["North"], id_field="Region__c")

    assert jobs.list_jobs(store) == []


@pytest.mark.parametrize("spec", [{"externalId": True}, {"unique": True}], ids=["external id", "unique"])
def test_external_or_unique_accepted(
    spec: dict[str, bool], fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store
) -> None:
    """An External ID or a unique field of Contact assigns the contact it names."""
    org = _org(fresh_sandbox)
    add_custom_field(org.store, "Contact", "Member_Number__c", spec)
    contact = org.create("Contact", {"LastName": "Numbered", "Member_Number__c": "M-7"})
    segment_id = _segment(fresh_sandbox, store)

    result = assign_customers(fresh_client, store, segment_id, ["M-7"], id_field="Member_Number__c")

    assert result.state == "succeeded"
    assert [(item.resolved_id, item.outcome) for item in result.items] == [(contact, "created")]


def test_aborted_job_in_error_log(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """A job aborted by an error in its input still leaves one error-log entry naming the job."""
    segment_id = _segment(fresh_sandbox, store)
    # A job written before the check existed, or before its field was deleted from the org.
    job_id, _items = jobs.create_job(
        store, segment_id=segment_id, kind="assign", mode="add", route="rest", status_label=None,
        id_field="Gone__c", params={"route_requested": "rest"},
        customers=parse_customers(["G-1"], id_field="Gone__c"),
    )  # fmt: skip

    with pytest.raises(InputError, match="Gone__c"):
        resume_job(fresh_client, store, job_id)

    assert jobs.get_job(store, job_id).state == "aborted"
    entries = list_errors(store, job_id=job_id)
    assert len(entries) == 1
    assert entries[0].segment_id == segment_id
    assert f"job {job_id} aborted" in entries[0].message
    assert "Gone__c" in entries[0].message
