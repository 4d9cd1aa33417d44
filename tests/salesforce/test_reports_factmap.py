"""Report runs parsed into tidy rows: numbers from `value`, truncation from `allData`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sfseg.salesforce.reports_factmap import parse_report_run


def _summary_run(*, details: bool) -> dict[str, Any]:
    rows = [{"dataCells": [{"label": "Ada", "value": "Ada"}, {"label": "$1,000", "value": {"amount": 1000, "currency": None}}]}]
    return {
        "attributes": {"reportId": "00OSB0000000001AAA", "reportName": "Members"},
        "allData": True,
        "hasDetailRows": details,
        "reportMetadata": {
            "groupingsDown": [{"name": "INDUSTRY"}, {"name": "MEMBER_STATUS"}],
            "aggregates": ["RowCount", "s!ANNUAL_REVENUE"],
            "detailColumns": ["FIRST_NAME", "ANNUAL_REVENUE"],
        },
        "groupingsDown": {
            "groupings": [
                {"key": "0", "label": "Energy", "value": "Energy", "groupings": [
                    {"key": "0_0", "label": "Sent", "value": "Sent", "groupings": []},
                    {"key": "0_1", "label": "Responded", "value": "Responded", "groupings": []},
                ]},
                {"key": "1", "label": "-", "value": None, "groupings": [
                    {"key": "1_0", "label": "Sent", "value": "Sent", "groupings": []},
                ]},
            ]
        },
        "factMap": {
            "0_0!T": {"aggregates": [{"label": "2", "value": 2}, {"label": "$1,000", "value": 1000}], "rows": rows if details else []},
            "0_1!T": {"aggregates": [{"label": "1", "value": 1}, {"label": "$0.10", "value": Decimal("0.1")}], "rows": []},
            "1_0!T": {"aggregates": [{"label": "1,250", "value": 1250}, {"label": "-", "value": None}], "rows": []},
            "0!T": {"aggregates": [{"label": "3", "value": 3}, {"label": "$1,000.10", "value": Decimal("1000.1")}], "rows": []},
            "1!T": {"aggregates": [{"label": "1,250", "value": 1250}, {"label": "-", "value": None}], "rows": []},
            "T!T": {"aggregates": [{"label": "1,253", "value": 1253}, {"label": "$1,000.10", "value": Decimal("1000.1")}], "rows": []},
        },
    }


def test_rows_are_innermost_groups_with_aggregates() -> None:
    run = parse_report_run(_summary_run(details=False))
    assert [row.key for row in run.rows] == ["0_0", "0_1", "1_0"]
    assert run.rows[0].groupings == {"INDUSTRY": "Energy", "MEMBER_STATUS": "Sent"}
    assert run.rows[2].groupings == {"INDUSTRY": None, "MEMBER_STATUS": "Sent"}
    assert run.rows[1].aggregates == {"RowCount": Decimal(1), "s!ANNUAL_REVENUE": Decimal("0.1")}


def test_numbers_come_from_value_not_label() -> None:
    run = parse_report_run(_summary_run(details=False))
    assert run.rows[2].aggregates["RowCount"] == Decimal(1250)
    assert run.grand_total == {"RowCount": Decimal(1253), "s!ANNUAL_REVENUE": Decimal("1000.1")}


def test_run_without_details_has_no_detail_rows() -> None:
    run = parse_report_run(_summary_run(details=False))
    assert run.details == []
    assert run.truncated is False


def test_details_keyed_by_detail_columns() -> None:
    run = parse_report_run(_summary_run(details=True))
    assert run.details == [{"FIRST_NAME": "Ada", "ANNUAL_REVENUE": Decimal(1000)}]


def test_all_data_false_is_truncated() -> None:
    body = _summary_run(details=True)
    body["allData"] = False
    assert parse_report_run(body).truncated is True


def test_tabular_report_details_from_grand_total() -> None:
    body = {
        "allData": True,
        "reportMetadata": {"groupingsDown": [], "aggregates": ["RowCount"], "detailColumns": ["EMAIL"]},
        "groupingsDown": {"groupings": []},
        "factMap": {"T!T": {"aggregates": [{"label": "2", "value": 2}],
                            "rows": [{"dataCells": [{"label": "a@x.org", "value": "a@x.org"}]},
                                     {"dataCells": [{"label": "-", "value": ""}]}]}},
    }
    run = parse_report_run(body)
    assert run.rows == []
    assert run.details == [{"EMAIL": "a@x.org"}, {"EMAIL": ""}]
    assert run.grand_total == {"RowCount": Decimal(2)}
