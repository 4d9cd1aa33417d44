"""Population counts stored between analyses, because they do not depend on the segment."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sfseg.segments.analyze.groupings import _Column
from sfseg.segments.analyze.run import _Counts, _Run
from sfseg.segments.analyze.statistics import (
    Statistics,
    column_spec,
    load_statistics,
    save_statistics,
    statistics_key,
)
from sfseg.segments.store.models import utcnow

__all__ = [
    "POPULATION_STATE_PREFIX",
    "POPULATION_MAX_AGE",
]


POPULATION_STATE_PREFIX = "population:"
# Population counts do not depend on the segment, so analyses within this age reuse them.
POPULATION_MAX_AGE = dt.timedelta(hours=24)


def _population_key(run: _Run, sobject: str, columns: Sequence[_Column]) -> str:
    spec = column_spec([(c.dimension.name, c.path, c.dimension.bands) for c in columns])
    text = json.dumps([run.client.instance_url, sobject, spec])
    return POPULATION_STATE_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:24]


def _load_population(
    run: _Run, sobject: str, columns: Sequence[_Column], max_age: dt.timedelta | None
) -> dict[str, Any] | None:
    """Return the stored population counts when younger than `max_age` (None: never)."""
    if max_age is None:
        return None
    data = _stored(run, sobject, columns)
    if data is None:
        return None
    as_of = dt.datetime.fromisoformat(data["as_of"])
    if utcnow() - as_of > max_age:
        return None
    return data


def _stored(run: _Run, sobject: str, columns: Sequence[_Column]) -> dict[str, Any] | None:
    raw = run.store.get_state(_population_key(run, sobject, columns))
    return None if raw is None else dict(json.loads(raw))


def _statistics_key(run: _Run, sobject: str, columns: Sequence[_Column]) -> str:
    spec = column_spec([(c.dimension.name, c.path, c.dimension.bands) for c in columns])
    return statistics_key(run.client.instance_url, sobject, spec)


def _load_statistics(run: _Run, sobject: str, columns: Sequence[_Column]) -> Statistics | None:
    """Return the planning statistics stored for these columns, whatever their age, or
    None when they were never read (see `sfseg.segments.analyze.statistics`)."""
    return load_statistics(run.store, _statistics_key(run, sobject, columns))


def _save_statistics(
    run: _Run, sobject: str, columns: Sequence[_Column], statistics: Statistics
) -> None:
    save_statistics(run.store, _statistics_key(run, sobject, columns), statistics)


def _apply_population(run: _Run, sobject: str, data: Mapping[str, Any]) -> None:
    for name, pairs in data["counts"].items():
        counts = _Counts()
        for value, n in pairs:
            counts.values[value] += int(n)
        counts.sliced = name in data.get("sliced", ())
        run.pop[(name, sobject)] = counts
    as_of = dt.datetime.fromisoformat(data["as_of"])
    run.population_as_of = (
        as_of if run.population_as_of is None else min(as_of, run.population_as_of)
    )


def _save_population(run: _Run, sobject: str, columns: Sequence[_Column]) -> None:
    counts = {name: list(c.values.items()) for (name, obj), c in run.pop.items() if obj == sobject}
    sliced = [name for (name, obj), c in run.pop.items() if obj == sobject and c.sliced]
    now = utcnow()
    data = {"as_of": now.isoformat(), "counts": counts, "sliced": sliced}
    run.store.set_state(_population_key(run, sobject, columns), json.dumps(data))
    run.population_as_of = now if run.population_as_of is None else min(now, run.population_as_of)
