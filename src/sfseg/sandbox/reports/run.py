"""Run a report in the sandbox and return the result in the Reports API's structure.

The result has `reportMetadata`, `reportExtendedMetadata`, `groupingsDown.groupings`
(each group with `key`, `label`, `value`), and a `factMap` keyed `T!T` for the grand
total and `0!T`, `0_1!T`, ... for groups by 0-based position ("Decode the Fact Map",
Reports and Dashboards REST API guide). Aggregates carry a locale-formatted `label` and
a numeric `value`. Detail rows appear only when asked for, at most 2,000 of them, and
`allData` is false when more rows matched; aggregates always cover every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sfseg.sandbox.reports.filters import FilterError, ReportFilter, compile_filters
from sfseg.sandbox.reports.labels import format_label
from sfseg.sandbox.reports.types import ReportColumn, ReportType
from sfseg.soql import format_literal

if TYPE_CHECKING:
    from sfseg.sandbox.query import QueryEngine

__all__ = [
    "MAX_DETAIL_ROWS",
    "MAX_GROUPINGS_DOWN",
    "ReportError",
    "run_report",
]

# Only the first 2,000 report rows are returned through the API ("Reports and
# Dashboards REST API limits"); summary reports take at most three groupings down.
MAX_DETAIL_ROWS = 2_000
MAX_GROUPINGS_DOWN = 3
_NUMERIC_TYPES = frozenset({"int", "double", "currency", "percent"})
_AGGREGATE_PREFIXES = {"s": "Sum", "a": "Average", "m": "Smallest", "x": "Largest", "u": "Unique"}
_ROW_COUNT = "RowCount"


class ReportError(Exception):
    """A report request that cannot run; sent as `[{"errorCode", "message"}]`."""

    def __init__(self, message: str, error_code: str = "BAD_REQUEST", http_status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.http_status = http_status

    def body(self) -> list[dict[str, str]]:
        return [{"errorCode": self.error_code, "message": self.message}]


@dataclass
class _Group:
    key: str
    value: Any
    label: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    children: list[_Group] = field(default_factory=list)


def _column(report_type: ReportType, name: str) -> ReportColumn:
    column = report_type.column(name)
    if column is None:
        message = f"The column {name} is not valid for report type {report_type.type}; describe the type for its columns"
        raise ReportError(message)
    return column


def _aggregate_column(report_type: ReportType, name: str) -> tuple[str, ReportColumn | None]:
    if name == _ROW_COUNT:
        return "RowCount", None
    prefix, sep, column_name = name.partition("!")
    if not sep or prefix not in _AGGREGATE_PREFIXES:
        message = f"The aggregate {name} is not valid; use RowCount or s!, a!, m!, x!, u! with a column"
        raise ReportError(message)
    column = _column(report_type, column_name)
    if prefix != "u" and column.data_type not in _NUMERIC_TYPES:
        message = f"The aggregate {name} needs a numeric column; {column_name} is {column.data_type}"
        raise ReportError(message)
    return prefix, column


def _pushdown_where(report_type: ReportType, filters: Sequence[ReportFilter], boolean_filter: str | None) -> str:
    """SOQL WHERE text for `equals` filters on single-path columns when all filters are ANDed."""
    if boolean_filter:
        return ""
    conditions = []
    for item in filters:
        column = report_type.column(item.column)
        if column is None or item.operator != "equals" or len(column.paths) != 1 or "," in item.value:
            continue
        if column.data_type not in ("id", "string", "picklist", "email"):
            continue
        conditions.append(f"{column.paths[0]} = {format_literal(item.value)}")
    return " WHERE " + " AND ".join(conditions) if conditions else ""


def _value_at(record: Mapping[str, Any], path: str) -> Any:
    current: Any = record
    for key in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def _read_rows(
    queries: QueryEngine, report_type: ReportType, columns: Sequence[ReportColumn], where: str
) -> Iterator[dict[str, Any]]:
    paths = sorted({path for column in columns for path in column.paths} | {"Id"})
    soql = f"SELECT {', '.join(paths)} FROM {report_type.base_object}{where}"
    for record in queries.iter_records(soql):
        row: dict[str, Any] = {}
        for column in columns:
            value = None
            for path in column.paths:
                value = _value_at(record, path)
                if value is not None:
                    break
            if value is not None and column.data_type in _NUMERIC_TYPES and not isinstance(value, Decimal):
                value = Decimal(str(value))
            row[column.name] = value
        yield row


def _group_value(value: Any, column: ReportColumn, granularity: str) -> Any:
    if value is None or column.data_type not in ("date", "datetime"):
        return value
    text = str(value)
    if granularity == "Year":
        return text[:4]
    if granularity == "Month":
        return text[:7]
    return text[:10] if granularity == "Day" else value


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, "") if value is None else (1, value if not isinstance(value, str) else value.lower())


def _build_groups(
    rows: Sequence[dict[str, Any]], groupings: Sequence[tuple[ReportColumn, str, bool]], prefix: str = ""
) -> list[_Group]:
    if not groupings:
        return []
    column, granularity, descending = groupings[0]
    buckets: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        buckets.setdefault(_group_value(row[column.name], column, granularity), []).append(row)
    groups = []
    ordered = sorted(buckets, key=_sort_key, reverse=descending)
    for position, value in enumerate(ordered):
        key = f"{prefix}_{position}" if prefix else str(position)
        group = _Group(key, value, format_label(value, column.data_type), buckets[value])
        group.children = _build_groups(buckets[value], groupings[1:], key)
        groups.append(group)
    return groups


def _json_number(value: Decimal | int | None) -> Any:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def _aggregate(rows: Sequence[dict[str, Any]], prefix: str, column: ReportColumn | None) -> tuple[Any, str]:
    if column is None:
        return len(rows), "int"
    values = [row[column.name] for row in rows if row[column.name] is not None]
    if prefix == "u":
        return len({str(v) for v in values}), "int"
    if not values:
        return None, column.data_type
    if prefix == "s":
        return sum(values, Decimal(0)), column.data_type
    if prefix == "a":
        average = sum(values, Decimal(0)) / len(values)
        return average.quantize(Decimal("0.01")), "double" if column.data_type == "int" else column.data_type
    return (min(values) if prefix == "m" else max(values)), column.data_type


def _aggregates(rows: Sequence[dict[str, Any]], aggregates: Sequence[tuple[str, ReportColumn | None]]) -> list[dict[str, Any]]:
    cells = []
    for prefix, column in aggregates:
        value, data_type = _aggregate(rows, prefix, column)
        cells.append({"label": format_label(value, data_type), "value": _json_number(value)})
    return cells


def _cell(value: Any, column: ReportColumn) -> dict[str, Any]:
    label = format_label(value, column.data_type)
    if value is None:
        return {"label": label, "value": ""}
    if column.data_type == "currency":
        return {"label": label, "value": {"amount": _json_number(value), "currency": None}}
    if isinstance(value, Decimal):
        return {"label": label, "value": _json_number(value)}
    return {"label": label, "value": value}


class _DetailBudget:
    """Hands out detail rows until the API's 2,000-row cap is reached."""

    def __init__(self, columns: Sequence[ReportColumn], enabled: bool) -> None:
        self.columns = columns
        self.enabled = enabled
        self.left = MAX_DETAIL_ROWS

    def take(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.enabled:
            return []
        chosen = rows[: max(self.left, 0)]
        self.left -= len(chosen)
        return [{"dataCells": [_cell(row[c.name], c) for c in self.columns]} for row in chosen]


def _fact_map(
    groups: Sequence[_Group],
    rows: Sequence[dict[str, Any]],
    aggregates: Sequence[tuple[str, ReportColumn | None]],
    budget: _DetailBudget,
) -> dict[str, Any]:
    fact_map: dict[str, Any] = {}

    def visit(group: _Group) -> None:
        leaf = not group.children
        fact_map[f"{group.key}!T"] = {
            "aggregates": _aggregates(group.rows, aggregates),
            "rows": budget.take(group.rows) if leaf else [],
        }
        for child in group.children:
            visit(child)

    for group in groups:
        visit(group)
    fact_map["T!T"] = {
        "aggregates": _aggregates(rows, aggregates),
        "rows": budget.take(rows) if not groups else [],
    }
    return fact_map


def _groupings_json(groups: Iterable[_Group]) -> list[dict[str, Any]]:
    return [
        {
            "key": group.key,
            "label": group.label,
            "value": _json_number(group.value) if isinstance(group.value, Decimal) else group.value,
            "groupings": _groupings_json(group.children),
            "dategroupings": [],
        }
        for group in groups
    ]


def extended_metadata(
    report_type: ReportType, metadata: Mapping[str, Any]
) -> dict[str, Any]:
    """Build the `reportExtendedMetadata` block: labels and data types of the report's columns."""
    aggregate_info = {}
    for name in metadata.get("aggregates") or []:
        prefix, column = _aggregate_column(report_type, name)
        if column is None:
            aggregate_info[name] = {"label": "Record Count", "dataType": "int",
                                    "acrossGroupingContext": None, "downGroupingContext": None}
        else:
            data_type = "int" if prefix == "u" else column.data_type
            aggregate_info[name] = {"label": f"{_AGGREGATE_PREFIXES[prefix]} of {column.label}",
                                    "dataType": data_type,
                                    "acrossGroupingContext": None, "downGroupingContext": None}
    detail_info = {
        name: {"label": _column(report_type, name).label, "dataType": _column(report_type, name).data_type}
        for name in metadata.get("detailColumns") or []
    }
    grouping_info = {}
    for level, grouping in enumerate(metadata.get("groupingsDown") or []):
        column = _column(report_type, str(grouping.get("name")))
        grouping_info[column.name] = {"label": column.label, "dataType": column.data_type, "groupingLevel": level}
    return {
        "aggregateColumnInfo": aggregate_info,
        "detailColumnInfo": detail_info,
        "groupingColumnInfo": grouping_info,
    }


def _parse_filters(metadata: Mapping[str, Any]) -> list[ReportFilter]:
    filters = []
    for item in metadata.get("reportFilters") or []:
        if not isinstance(item, Mapping) or "column" not in item or "operator" not in item:
            message = f"The report filter {item!r} needs column, operator and value"
            raise ReportError(message)
        filters.append(ReportFilter(str(item["column"]), str(item["operator"]), str(item.get("value") or "")))
    return filters


def _parse_groupings(report_type: ReportType, metadata: Mapping[str, Any]) -> list[tuple[ReportColumn, str, bool]]:
    groupings = list(metadata.get("groupingsDown") or [])
    if len(groupings) > MAX_GROUPINGS_DOWN:
        message = f"A report takes at most {MAX_GROUPINGS_DOWN} groupingsDown; this one has {len(groupings)}"
        raise ReportError(message)
    parsed = []
    for grouping in groupings:
        column = _column(report_type, str(grouping.get("name")))
        granularity = str(grouping.get("dateGranularity") or "None")
        descending = str(grouping.get("sortOrder") or "Asc").lower() == "desc"
        parsed.append((column, granularity, descending))
    return parsed


def run_report(
    queries: QueryEngine,
    report_type: ReportType,
    metadata: Mapping[str, Any],
    *,
    include_details: bool,
    attributes: Mapping[str, Any],
) -> dict[str, Any]:
    """Run a report definition and return the Reports API result.

    Raises:
        ReportError: an unknown column, aggregate or operator, or too many groupings.
    """
    detail_columns = [_column(report_type, str(name)) for name in metadata.get("detailColumns") or []]
    groupings = _parse_groupings(report_type, metadata)
    aggregates = [_aggregate_column(report_type, str(name)) for name in metadata.get("aggregates") or []]
    filters = _parse_filters(metadata)
    boolean_filter = metadata.get("reportBooleanFilter") or None
    needed = {c.name: c for c in detail_columns}
    needed.update({c.name: c for c, _, _ in groupings})
    needed.update({c.name: c for _, c in aggregates if c is not None})
    needed.update({item.column: _column(report_type, item.column) for item in filters})

    try:
        predicate = compile_filters(filters, boolean_filter, {name: c.data_type for name, c in needed.items()})
    except FilterError as exc:
        raise ReportError(str(exc)) from exc
    where = _pushdown_where(report_type, filters, boolean_filter)
    rows = [row for row in _read_rows(queries, report_type, list(needed.values()), where) if predicate(row)]

    groups = _build_groups(rows, groupings)
    budget = _DetailBudget(detail_columns, include_details)
    fact_map = _fact_map(groups, rows, aggregates, budget)
    return {
        "attributes": dict(attributes),
        "allData": not (include_details and len(rows) > MAX_DETAIL_ROWS),
        "hasDetailRows": include_details,
        "hasExceededTabularRowLimit": False,
        "groupingsDown": {"groupings": _groupings_json(groups)},
        "groupingsAcross": {"groupings": []},
        "factMap": fact_map,
        "reportMetadata": dict(metadata),
        "reportExtendedMetadata": extended_metadata(report_type, metadata),
    }
