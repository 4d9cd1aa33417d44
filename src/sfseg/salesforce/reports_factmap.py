"""Turn a Reports API run (`factMap` and `groupingsDown`) into tidy rows.

A summary report's `factMap` is keyed by grouping position: `0!T` is the first group of
the first grouping, `0_1!T` the second subgroup inside it, and `T!T` the grand total
(Reports and Dashboards REST API guide, "Decode the Fact Map"). Each entry holds
`aggregates` in the order of `reportMetadata.aggregates`, and `rows` of detail cells in
the order of `reportMetadata.detailColumns` when details were requested. Numbers are read
from each aggregate's `value`; its `label` is locale-formatted text for display only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "GRAND_TOTAL_KEY",
    "ReportRow",
    "ReportRun",
    "parse_report_run",
]

GRAND_TOTAL_KEY = "T!T"


@dataclass(frozen=True)
class ReportRow:
    """One innermost group: its grouping values and its aggregates.

    `groupings` maps each grouping column (e.g. `MEMBER_STATUS`) to the group's `value`,
    `labels` to the group's display label, and `aggregates` maps each aggregate name
    (e.g. `RowCount`, `s!AMOUNT`) to its numeric value.
    """

    key: str
    groupings: dict[str, Any]
    labels: dict[str, str]
    aggregates: dict[str, Decimal | None]

    def as_dict(self) -> dict[str, Any]:
        """Return grouping values and aggregates in one flat mapping."""
        return {**self.groupings, **self.aggregates}


@dataclass(frozen=True)
class ReportRun:
    """The parsed response of one synchronous report run."""

    report_id: str
    report_name: str
    rows: list[ReportRow]
    grand_total: dict[str, Decimal | None]
    details: list[dict[str, Any]]
    truncated: bool
    has_detail_rows: bool
    grouping_columns: list[str] = field(default_factory=list)
    aggregate_names: list[str] = field(default_factory=list)
    detail_columns: list[str] = field(default_factory=list)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


def _number(value: Any) -> Decimal | None:
    # A currency aggregate or cell may arrive as {"amount": 12.5, "currency": null}.
    if isinstance(value, Mapping):
        value = value.get("amount")
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        return Decimal(str(value))
    msg = f"report aggregate value {value!r} is not a number; check the report's aggregates"
    raise ValueError(msg)


def _cell_value(cell: Mapping[str, Any]) -> Any:
    value = cell.get("value")
    if isinstance(value, Mapping) and "amount" in value:
        return _number(value)
    return value


def _aggregates(entry: Mapping[str, Any] | None, names: Sequence[str]) -> dict[str, Decimal | None]:
    values = [] if entry is None else entry.get("aggregates") or []
    result: dict[str, Decimal | None] = {}
    for position, name in enumerate(names):
        result[name] = _number(values[position].get("value")) if position < len(values) else None
    return result


def _walk_groupings(
    groupings: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    path: list[Mapping[str, Any]],
) -> Iterator[list[Mapping[str, Any]]]:
    for grouping in groupings:
        current = [*path, grouping]
        children = grouping.get("groupings") or []
        if children and len(current) < len(columns):
            yield from _walk_groupings(children, columns, current)
        else:
            yield current


def _row_from_path(
    path: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    fact_map: Mapping[str, Any],
    aggregate_names: Sequence[str],
) -> ReportRow:
    key = str(path[-1].get("key"))
    groupings = {columns[depth]: group.get("value") for depth, group in enumerate(path)}
    labels = {columns[depth]: str(group.get("label", "")) for depth, group in enumerate(path)}
    aggregates = _aggregates(fact_map.get(f"{key}!T"), aggregate_names)
    return ReportRow(key=key, groupings=groupings, labels=labels, aggregates=aggregates)


def _detail_rows(fact_map: Mapping[str, Any], keys: Sequence[str], columns: Sequence[str]) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = []
    for key in keys:
        entry = fact_map.get(key) or {}
        for row in entry.get("rows") or []:
            cells = row.get("dataCells") or []
            details.append({column: _cell_value(cell) for column, cell in zip(columns, cells, strict=False)})
    return details


def parse_report_run(body: Mapping[str, Any]) -> ReportRun:
    """Parse a report run response into tidy rows, the grand total and detail rows.

    Detail rows come from the innermost groups (or `T!T` for a tabular report), so each
    detail row appears once. A run without details has an empty `details` list.
    """
    metadata = body.get("reportMetadata") or {}
    columns = [str(g.get("name")) for g in metadata.get("groupingsDown") or []]
    aggregate_names = [str(name) for name in metadata.get("aggregates") or []]
    detail_columns = [str(name) for name in metadata.get("detailColumns") or []]
    fact_map = body.get("factMap") or {}

    top = (body.get("groupingsDown") or {}).get("groupings") or []
    paths = list(_walk_groupings(top, columns, [])) if columns else []
    rows = [_row_from_path(path, columns, fact_map, aggregate_names) for path in paths]
    detail_keys = [f"{row.key}!T" for row in rows] if rows else [GRAND_TOTAL_KEY]

    attributes = body.get("attributes") or {}
    return ReportRun(
        report_id=str(attributes.get("reportId") or metadata.get("id") or ""),
        report_name=str(attributes.get("reportName") or metadata.get("name") or ""),
        rows=rows,
        grand_total=_aggregates(fact_map.get(GRAND_TOTAL_KEY), aggregate_names),
        details=_detail_rows(fact_map, detail_keys, detail_columns),
        truncated=body.get("allData") is False,
        has_detail_rows=bool(body.get("hasDetailRows")),
        grouping_columns=columns,
        aggregate_names=aggregate_names,
        detail_columns=detail_columns,
        raw=body,
    )
