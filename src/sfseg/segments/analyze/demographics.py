"""Demographics: each value's share of the segment against the population, with lift."""

from __future__ import annotations

from sfseg.segments.analyze.models import Demographic, DemographicValue
from sfseg.segments.analyze.run import _Counts, _Run
from sfseg.segments.analyze.values import _ratio


def _demographics(run: _Run) -> dict[str, Demographic]:
    result: dict[str, Demographic] = {}
    for dimension in run.dimensions:
        seg = _merged(run.seg, dimension.name)
        pop = _merged(run.pop, dimension.name)
        if seg is None and pop is None:
            continue
        seg_values = seg.values if seg else {}
        pop_values = pop.values if pop else {}
        seg_total = sum(seg_values.values())
        pop_total = sum(pop_values.values())
        values = []
        for value in sorted(
            set(seg_values) | set(pop_values),
            key=lambda v: (-seg_values.get(v, 0), -pop_values.get(v, 0), v or ""),
        ):
            count = seg_values.get(value, 0)
            share = _ratio(count, seg_total)
            population_share = _ratio(pop_values.get(value, 0), pop_total)
            lift = (
                None
                if not population_share or share is None
                else round(share / population_share, 4)
            )
            values.append(
                DemographicValue(
                    value=value,
                    count=count,
                    share=share,
                    population_count=pop_values.get(value, 0),
                    population_share=population_share,
                    lift=lift,
                )
            )
        fields = {sobject: path for sobject in run.objects if (path := dimension.path(sobject))}
        sliced = bool((seg and seg.sliced) or (pop and pop.sliced))
        result[dimension.name] = Demographic(
            name=dimension.name, fields=fields, values=values, sliced=sliced
        )
    return result


def _merged(side: dict[tuple[str, str], _Counts], name: str) -> _Counts | None:
    parts = [counts for (dimension, _), counts in side.items() if dimension == name]
    if not parts:
        return None
    merged = _Counts()
    for part in parts:
        for value, n in part.values.items():
            merged.values[value] += n
        merged.sliced = merged.sliced or part.sliced
    return merged
