"""Planning statistics of a population: distinct-value counts and value ranges.

The analysis plans its grouping queries from them. They change slowly and only shape
the plan, so they are kept without an age limit and replaced each time the population
is counted. Fresh results check every plan, so outdated statistics cost queries, never
exactness. `create_segment` reads them for the default fields in its own Composite
call when the store has none yet, so the first analysis needs no planning round.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sfseg.segments.analyze.dimensions import DEFAULT_DIMENSIONS
from sfseg.segments.analyze.values import _decimal, _int, aggregate
from sfseg.segments.store import Store
from sfseg.soql import builder, render

__all__ = [
    "STATISTICS_STATE_PREFIX",
    "Range",
    "Statistics",
    "StatisticsQuery",
    "default_statistics_query",
    "load_statistics",
    "save_statistics",
    "statistics_key",
]

STATISTICS_STATE_PREFIX = "statistics:"

# The lowest and highest value of a column (None when no record has a value).
Range = tuple[Decimal | None, Decimal | None]


@dataclass(frozen=True, slots=True)
class Statistics:
    """Distinct-value counts by column path, and value ranges of the banded columns."""

    cardinality: dict[str, int]
    ranges: dict[str, Range]


def column_spec(columns: Sequence[tuple[str, str, Sequence[Decimal]]]) -> list[Any]:
    """Describe analysis columns (name, path, band edges) for a store key."""
    return [[name, path, [str(edge) for edge in bands]] for name, path, bands in columns]


def statistics_key(instance_url: str, sobject: str, spec: Sequence[Any]) -> str:
    """Return the store key of one org's statistics for one object and column list."""
    text = json.dumps([instance_url, sobject, list(spec)])
    return STATISTICS_STATE_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class StatisticsQuery:
    """One aggregate query over a whole object that reads its planning statistics."""

    sobject: str
    distinct: tuple[str, ...]
    ranged: tuple[str, ...]

    @property
    def soql(self) -> str:
        selected = [
            aggregate("COUNT_DISTINCT", path, f"c{i}") for i, path in enumerate(self.distinct)
        ]
        for index, path in enumerate(self.ranged):
            selected += [aggregate("MIN", path, f"lo{index}"), aggregate("MAX", path, f"hi{index}")]
        return render(builder.select(*selected, sobject=self.sobject))

    def read(self, rows: Sequence[Mapping[str, Any]]) -> Statistics:
        """Read the one result row (no row: an empty object)."""
        row = rows[0] if rows else {}
        cardinality = {path: _int(row.get(f"c{i}")) for i, path in enumerate(self.distinct)}
        ranges = {
            path: (_optional(row.get(f"lo{i}")), _optional(row.get(f"hi{i}")))
            for i, path in enumerate(self.ranged)
        }
        return Statistics(cardinality, ranges)


def _optional(value: Any) -> Decimal | None:
    return None if value is None else _decimal(value)


def default_statistics_query(sobject: str) -> tuple[StatisticsQuery, list[Any]]:
    """Return the statistics query of the default fields of `sobject`, and their column spec.

    No describe is needed: distinct values are counted for the unbanded fields (all
    standard text and picklist fields), and ranges are read for the banded ones. A
    banded field's distinct count stays unknown, which plans it as band edges.
    """
    columns = []
    for dimension in DEFAULT_DIMENSIONS:
        path = dimension.path(sobject)
        if path is not None:
            columns.append((dimension.name, path, dimension.bands))
    query = StatisticsQuery(
        sobject,
        distinct=tuple(path for _, path, bands in columns if not bands),
        ranged=tuple(path for _, path, bands in columns if bands),
    )
    return query, column_spec(columns)


def load_statistics(store: Store, key: str) -> Statistics | None:
    """Return the statistics stored under `key`, whatever their age, or None."""
    raw = store.get_state(key)
    if raw is None:
        return None
    data = json.loads(raw)
    ranges: dict[str, Range] = {
        path: (_text_number(low), _text_number(high))
        for path, (low, high) in data.get("ranges", {}).items()
    }
    return Statistics(dict(data.get("cardinality", {})), ranges)


def _text_number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def save_statistics(store: Store, key: str, statistics: Statistics) -> None:
    ranges = {
        path: [None if low is None else str(low), None if high is None else str(high)]
        for path, (low, high) in statistics.ranges.items()
    }
    store.set_state(key, json.dumps({"cardinality": statistics.cardinality, "ranges": ranges}))
