"""Aggregate queries that count each demographic column's values in segment and population."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sfseg.segments.analyze.batching import MAX_GROUPS
from sfseg.segments.analyze.dimensions import (
    DEFAULT_DIMENSIONS,
    Dimension,
    UnknownFieldError,
    band_label,
    band_of,
)
from sfseg.segments.analyze.run import _Counts, _Run
from sfseg.segments.analyze.statistics import Range, Statistics, StatisticsQuery
from sfseg.segments.analyze.values import (
    COUNT_N,
    _date,
    _decimal,
    _int,
    _max_date,
    _value_key,
    aggregate,
)
from sfseg.segments.criteria.metadata import FieldInfo
from sfseg.segments.criteria.paths import PathError, resolve_path
from sfseg.soql import ast, builder, render

__all__ = [
    "OTHER_VALUE",
    "plan_groupings",
]


OTHER_VALUE = "(other)"


@dataclass(frozen=True, slots=True)
class _Column:
    dimension: Dimension
    path: str
    field: FieldInfo

    @property
    def key(self) -> str:
        return self.path.split(".")[-1]


def _check_fields(run: _Run) -> None:
    """Raise `UnknownFieldError` for a requested field that no segment object has.

    A field found on one object only (Contact's Department, say) is kept: `_columns`
    leaves it out on the other object with a note.
    """
    for dimension in run.dimensions:
        if dimension in DEFAULT_DIMENSIONS:
            continue
        problems = []
        for sobject in run.objects:
            path = dimension.path(sobject)
            if path is None:
                continue
            try:
                resolve_path(run.metadata, sobject, path)
            except PathError as exc:
                hint = f" (did you mean {exc.suggestion!r}?)" if exc.suggestion else ""
                problems.append(f"{exc}{hint}")
                continue
            break
        else:
            msg = f"field {dimension.name!r} cannot be analyzed: {'; '.join(problems)}"
            raise UnknownFieldError(msg)


def _columns(run: _Run, sobject: str) -> list[_Column]:
    columns = []
    for dimension in run.dimensions:
        path = dimension.path(sobject)
        if path is None:
            continue
        try:
            resolved = resolve_path(run.metadata, sobject, path)
        except PathError as exc:
            if dimension in DEFAULT_DIMENSIONS:
                continue
            run.notes.append(f"{dimension.name} left out on {sobject}: {exc}")
            continue
        columns.append(_Column(dimension, resolved.dotted, resolved.field))
    return columns


def _side(run: _Run, segment_side: bool) -> dict[tuple[str, str], _Counts]:
    return run.seg if segment_side else run.pop


def _record_values(counts: _Counts, column: _Column, value: Any, n: int) -> None:
    edges = column.dimension.bands
    if edges and value is not None:
        counts.values[band_label(edges, band_of(edges, _decimal(value)))] += n
        return
    counts.values[_value_key(value)] += n


def plan_groupings(
    columns: Sequence[_Column], cardinality: Mapping[str, int], members: int | None
) -> tuple[list[list[_Column]], list[_Column]]:
    """Split columns into grouping queries that stay under 2,000 groups, and band-edge counts.

    A query grouped by several columns has at most the product of their value counts
    (plus one each for null) as groups. It also never has more groups than records, so
    a segment of fewer than 2,000 members takes every column in one query. A banded column whose
    values alone pass 2,000 (or that cannot be grouped, like a currency field) is
    counted per band edge instead.
    """
    small = members is not None and members < MAX_GROUPS
    grouped: list[_Column] = []
    edges: list[_Column] = []
    for column in columns:
        distinct = cardinality.get(column.path, MAX_GROUPS) + 1
        if not column.field.groupable or (
            column.dimension.bands and not small and distinct > MAX_GROUPS
        ):
            edges.append(column)
        else:
            grouped.append(column)
    if small:
        return _split_same_keys([grouped] if grouped else []), edges
    packs: list[list[_Column]] = []
    product = MAX_GROUPS + 1
    for column in sorted(grouped, key=lambda c: cardinality.get(c.path, MAX_GROUPS)):
        distinct = cardinality.get(column.path, MAX_GROUPS) + 1
        if packs and product * distinct <= MAX_GROUPS:
            packs[-1].append(column)
            product *= distinct
        else:
            packs.append([column])
            product = distinct
    return _split_same_keys(packs), edges


def _split_same_keys(packs: list[list[_Column]]) -> list[list[_Column]]:
    # Aggregate rows name a grouped field by its last path part, so two columns ending
    # in the same name (Account.Name, Name) cannot share one query.
    result: list[list[_Column]] = []
    for pack in packs:
        current: list[_Column] = []
        for column in pack:
            if any(other.key.lower() == column.key.lower() for other in current):
                result.append(current)
                current = []
            current.append(column)
        result.append(current)
    return result


@dataclass
class _SideCounts:
    """Totals and band-edge counts collected for one object and side (segment or population)."""

    sobject: str
    segment_side: bool
    total: int | None = None
    at_least: dict[str, dict[int, int]] = field(default_factory=dict)
    # Counts per band below the top edge, from one grouped query (see `_queue_below_top`).
    below: dict[str, dict[int, int]] = field(default_factory=dict)
    # Fresh [MIN, MAX] of each band-edge column, read by the side's first grouping query.
    ranges: dict[str, Range] = field(default_factory=dict)
    # Edges left unqueried because stored statistics put every value below (`none`) or
    # at or above (`all`) them. `_check_assumed_edges` checks them against `ranges`.
    assumed: dict[str, dict[int, str]] = field(default_factory=dict)


def _queue_grouping(
    run: _Run,
    side: _SideCounts,
    columns: list[_Column],
    edge_columns: list[_Column],
    *,
    first: bool,
) -> None:
    """Queue one aggregate query grouped by `columns`. The first query of a side also
    counts the banded columns' non-null values (their lowest edge) and the last activity date."""
    names = [c.path for c in columns]
    extra = _first_aggregates(side, edge_columns) if first else []
    query = builder.select(
        *names, COUNT_N, *extra, sobject=side.sobject, where=_side_filter(run, side),
        group_by=names, order=[_LARGEST_FIRST], limit=MAX_GROUPS,
    )  # fmt: skip

    def handle(rows: list[dict[str, Any]]) -> None:
        if len(rows) >= MAX_GROUPS and len(columns) > 1:
            # The plan came from outdated distinct-value counts, so count each column
            # in a query of its own instead.
            for position, column in enumerate(columns):
                _queue_grouping(run, side, [column], edge_columns, first=first and position == 0)
            return
        counts_by_column = {
            c.path: _side(run, side.segment_side).setdefault(
                (c.dimension.name, side.sobject), _Counts()
            )
            for c in columns
        }
        for row in rows:
            n = _int(row.get("n"))
            for column in columns:
                _record_values(counts_by_column[column.path], column, row.get(column.key), n)
        if first:
            _record_first(run, side, edge_columns, rows)
        if len(rows) < MAX_GROUPS:
            side.total = sum(_int(row.get("n")) for row in rows)
        else:
            for column in columns:
                _queue_other(run, side, column)

    run.batch.query(render(query), handle)


def _first_aggregates(side: _SideCounts, edge_columns: list[_Column]) -> list[ast.SelectField]:
    """Return the aggregates that only a side's first grouping query reads: the last
    activity date, and each band-edge column's non-null count, lowest and highest value."""
    extra = [aggregate("MAX", "LastActivityDate", "lastact")] if side.segment_side else []
    extra += [aggregate("COUNT", c.path, f"b{i}") for i, c in enumerate(edge_columns)]
    for index, column in enumerate(edge_columns):
        if column.field.aggregatable:
            extra.append(aggregate("MIN", column.path, f"lo{index}"))
            extra.append(aggregate("MAX", column.path, f"hi{index}"))
    return extra


# Groups in descending size, so a grouping cut at 2,000 keeps the largest ones.
_LARGEST_FIRST = builder.order_by(builder.call("COUNT", "Id"), descending=True)


def _side_filter(run: _Run, side: _SideCounts) -> ast.Condition | None:
    """Return the member filter of a segment side, None for the population."""
    return run.object_filter(side.sobject) if side.segment_side else None


def _count_query(run: _Run, side: _SideCounts, condition: ast.Condition | None = None) -> str:
    """Return `SELECT COUNT(Id) n` over a side's records that meet `condition`."""
    conditions = [c for c in (condition, _side_filter(run, side)) if c is not None]
    where = builder.and_(*conditions) if conditions else None
    return render(builder.select(COUNT_N, sobject=side.sobject, where=where))


def _record_first(
    run: _Run, side: _SideCounts, edge_columns: list[_Column], rows: list[dict[str, Any]]
) -> None:
    # No rows (a side with no records) means zero non-null values, not a missing count.
    for index, column in enumerate(edge_columns):
        at_least = side.at_least.setdefault(column.path, {})
        at_least[0] = at_least.get(0, 0) + sum(_int(row.get(f"b{index}")) for row in rows)
    for row in rows:
        run.last_activity = _max_date(run.last_activity, _date(row.get("lastact")))
    if len(rows) < MAX_GROUPS:
        _record_ranges(side, edge_columns, rows)


def _record_ranges(side: _SideCounts, columns: list[_Column], rows: list[dict[str, Any]]) -> None:
    for index, column in enumerate(columns):
        if not column.field.aggregatable:
            continue
        lows = [_decimal(r[f"lo{index}"]) for r in rows if r.get(f"lo{index}") is not None]
        highs = [_decimal(r[f"hi{index}"]) for r in rows if r.get(f"hi{index}") is not None]
        side.ranges[column.path] = (min(lows, default=None), max(highs, default=None))


def _assumed_edges(
    edges: Sequence[Decimal], known: Range | None, from_index: int
) -> dict[int, str]:
    """Return the band edges whose count a known value range already gives.

    No record reaches an edge above the highest value (`none`). Every non-null record
    reaches an edge at or below the lowest value (`all`). An edge inside the range, or
    any edge when the range is unknown, still needs its query.
    """
    if known is None:
        return {}
    low, high = known
    assumed = {}
    for index in range(from_index, len(edges)):
        if high is None or high < edges[index]:
            assumed[index] = "none"
        elif low is not None and low >= edges[index]:
            assumed[index] = "all"
    return assumed


def _queue_other(run: _Run, side: _SideCounts, column: _Column) -> None:
    """Count the records past the 2,000 most frequent value groups as `(other)`."""

    def handle(rows: list[dict[str, Any]]) -> None:
        total = _int(rows[0].get("n")) if rows else 0
        side.total = total
        counts = _side(run, side.segment_side)[(column.dimension.name, side.sobject)]
        counts.values[OTHER_VALUE] += total - sum(counts.values.values())
        counts.sliced = True

    run.batch.query(_count_query(run, side), handle)


def _queue_edges(
    run: _Run,
    side: _SideCounts,
    column: _Column,
    *,
    from_index: int,
    skip: Mapping[int, str] | None = None,
) -> None:
    """Count the records at or above each band edge of a column (one query per edge),
    leaving out the edges in `skip`."""
    at_least = side.at_least.setdefault(column.path, {})
    for index, edge in enumerate(column.dimension.bands):
        if index < from_index or index in (skip or {}):
            continue
        soql = _count_query(run, side, builder.ge(column.path, edge))

        def handle(rows: list[dict[str, Any]], index: int = index) -> None:
            at_least[index] = _int(rows[0].get("n")) if rows else 0

        run.batch.query(soql, handle)


def _finish_edges(run: _Run, side: _SideCounts, columns: list[_Column]) -> None:
    for column in columns:
        edges = column.dimension.bands
        at_least = side.at_least.get(column.path, {})
        below = side.below.get(column.path)
        for index, kind in side.assumed.get(column.path, {}).items():
            if index not in at_least and 0 in at_least:
                at_least[index] = 0 if kind == "none" else at_least[0]
        if below is not None and 0 in at_least:
            # Records at or above an edge: the non-null ones less those in lower bands.
            for index in range(1, len(edges)):
                at_least[index] = at_least[0] - sum(below.get(i, 0) for i in range(index))
        if len(at_least) != len(edges):
            run.notes.append(
                f"{column.dimension.name} left out on {side.sobject}: a count per band did not come back"
            )
            continue
        counts = _side(run, side.segment_side).setdefault(
            (column.dimension.name, side.sobject), _Counts()
        )
        for index in range(len(edges)):
            upper = at_least[index + 1] if index + 1 < len(edges) else 0
            counts.values[band_label(edges, index)] += at_least[index] - upper
        if side.total is not None and side.total > at_least[0]:
            # Records without a value, listed only when there are some, as a grouping does.
            counts.values[None] += side.total - at_least[0]


def _queue_side(
    run: _Run,
    side: _SideCounts,
    columns: list[_Column],
    statistics: Statistics | None,
    members: int | None,
) -> list[_Column]:
    """Queue the queries of one object and side; return the band-edge columns to finish.

    `statistics` plan the groupings, and an edge that their value ranges place outside
    every value is not queried (see `_check_assumed_edges`). A side of fewer than 2,000
    members needs none.
    """
    cardinality = statistics.cardinality if statistics else {}
    ranges = statistics.ranges if statistics else None
    packs, edge_columns = plan_groupings(columns, cardinality, members)
    if side.segment_side and _one_query_per_member(packs, edge_columns, members):
        _queue_by_member(run, side, packs[0] if packs else [], edge_columns)
        return []
    for position, pack in enumerate(packs):
        _queue_grouping(run, side, pack, edge_columns, first=position == 0)
    if not packs:
        _queue_other_total(run, side)
    for column in edge_columns:
        # The first grouping query counted the non-null values, the edge at 0.
        counted = bool(packs) and column.dimension.bands[0] == 0
        if counted and _whole_numbers_below_top(column):
            _queue_below_top(run, side, column)
            continue
        skip = {}
        if counted and column.field.aggregatable and ranges is not None:
            skip = _assumed_edges(column.dimension.bands, ranges.get(column.path), 1)
        side.assumed[column.path] = skip
        _queue_edges(run, side, column, from_index=1 if counted else 0, skip=skip)
    return edge_columns


def _check_assumed_edges(run: _Run, side: _SideCounts, columns: list[_Column]) -> bool:
    """Queue the edge queries whose stored-range assumption the fresh range contradicts
    (or that no fresh range confirms); return True when any was queued."""
    queued = False
    for column in columns:
        assumed = side.assumed.get(column.path)
        if not assumed:
            continue
        fresh = side.ranges.get(column.path)
        confirmed = _assumed_edges(column.dimension.bands, fresh, 1) if fresh else {}
        wrong = {i for i, kind in assumed.items() if confirmed.get(i) != kind}
        if wrong:
            for index in wrong:
                del assumed[index]
            keep = {i: "skip" for i in range(len(column.dimension.bands)) if i not in wrong}
            _queue_edges(run, side, column, from_index=1, skip=keep)
            queued = True
    return queued


def _one_query_per_member(
    packs: list[list[_Column]], edge_columns: list[_Column], members: int | None
) -> bool:
    """Return True when one query grouped by record Id can count a segment side: fewer
    than 2,000 members, one grouping, and banded columns that MAX() can read."""
    grouped = packs[0] if packs else []
    return (
        members is not None
        and members < MAX_GROUPS
        and len(packs) <= 1
        and all(c.field.aggregatable for c in edge_columns)
        and all(c.key.lower() != "id" for c in grouped)
    )


def _queue_by_member(
    run: _Run, side: _SideCounts, columns: list[_Column], edge_columns: list[_Column]
) -> None:
    """Queue one query grouped by record Id, so each group is one member. Banded columns
    that cannot be grouped (currency) are read with MAX() and banded here."""
    names = ["Id", *(c.path for c in columns)]
    maxima = [aggregate("MAX", c.path, f"m{i}") for i, c in enumerate(edge_columns)]
    query = builder.select(
        *names, *maxima, aggregate("MAX", "LastActivityDate", "lastact"), sobject=side.sobject,
        where=run.object_filter(side.sobject), group_by=names, limit=MAX_GROUPS,
    )  # fmt: skip

    def handle(rows: list[dict[str, Any]]) -> None:
        counts = _side(run, side.segment_side)
        for column in (*columns, *edge_columns):
            counts.setdefault((column.dimension.name, side.sobject), _Counts())
        for row in rows:
            for column in columns:
                key = (column.dimension.name, side.sobject)
                _record_values(counts[key], column, row.get(column.key), 1)
            for index, column in enumerate(edge_columns):
                key = (column.dimension.name, side.sobject)
                _record_values(counts[key], column, row.get(f"m{index}"), 1)
            run.last_activity = _max_date(run.last_activity, _date(row.get("lastact")))
        side.total = len(rows)

    run.batch.query(render(query), handle)


def _whole_numbers_below_top(column: _Column) -> bool:
    """Return True for a groupable integer column whose values from 0 up to its top band edge
    fit in one aggregate result."""
    edges = column.dimension.bands
    return (
        column.field.groupable
        and column.field.type == "int"
        and len(edges) > 2
        and edges[0] == 0
        and edges[-1] < MAX_GROUPS
    )


def _queue_below_top(run: _Run, side: _SideCounts, column: _Column) -> None:
    """Count every band but the top one in one query grouped by the values under the top edge.

    `_finish_edges` takes the top band as the non-null count less the lower bands. Integers
    from 0 to the edge make fewer than 2,000 groups. If negative values push the result to
    the limit, the band edges are counted one query each instead.
    """
    below_top = builder.lt(column.path, column.dimension.bands[-1])
    query = builder.select(
        column.path, COUNT_N, sobject=side.sobject,
        where=builder.and_(below_top, _side_filter(run, side)),
        group_by=[column.path], limit=MAX_GROUPS,
    )  # fmt: skip

    def handle(rows: list[dict[str, Any]]) -> None:
        if len(rows) >= MAX_GROUPS:
            _queue_edges(run, side, column, from_index=1)
            return
        below = side.below.setdefault(column.path, {})
        edges = column.dimension.bands
        for row in rows:
            value = row.get(column.key)
            if value is not None:
                index = band_of(edges, _decimal(value))
                below[index] = below.get(index, 0) + _int(row.get("n"))

    run.batch.query(render(query), handle)


def _queue_other_total(run: _Run, side: _SideCounts) -> None:
    def handle(rows: list[dict[str, Any]]) -> None:
        side.total = _int(rows[0].get("n")) if rows else 0

    run.batch.query(_count_query(run, side), handle)


def _queue_statistics(run: _Run, sobject: str, columns: list[_Column], into: Statistics) -> None:
    """Ask how many distinct values each groupable column has in the whole population,
    and the lowest and highest value of each banded column."""
    query = StatisticsQuery(
        sobject,
        distinct=tuple(c.path for c in columns if c.field.groupable),
        ranged=tuple(c.path for c in columns if c.dimension.bands and c.field.aggregatable),
    )
    if not query.distinct and not query.ranged:
        return

    def handle(rows: list[dict[str, Any]]) -> None:
        read = query.read(rows)
        into.cardinality.update(read.cardinality)
        into.ranges.update(read.ranges)

    run.batch.query(query.soql, handle)


def _usable_columns(run: _Run, sobject: str) -> list[_Column]:
    usable = []
    for column in _columns(run, sobject):
        if column.field.groupable or column.dimension.bands:
            usable.append(column)
        else:
            run.notes.append(
                f"{column.dimension.name} left out on {sobject}: {column.path} cannot be grouped"
            )
    return usable
