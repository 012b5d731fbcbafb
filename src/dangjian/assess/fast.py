"""The assessment engine's fast path: an indicator's points for a whole column of organizations at once.

`scoring.score_line` is the rule, value by value; `score_column` gives what it gives for every value of a column, the
usual values taken whole by calls from C and everything else handed back to the rule (held to it by
`tests/test_assess_engine_paths.py`: generated columns of every indicator kind, and every column of one or two small
values). What it gains is measured in docs/performance.md (the assessment's sections; re-measured 2026-12-05).

The run's other speed devices are elsewhere, each with its own test against the plain way: the packed read of the
entries and the read meanwhile (`inputs.py`: `tests/test_assess_inputs.py`, `tests/test_assess_prefetch.py`) and the
cycle collector paused during a run (`core.memory`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .scheme import Indicator, Method
from .scoring import score_line

if TYPE_CHECKING:
    from .engine import Members


def score_column(scheme, ind: Indicator, j: int, col: tuple, them: Members, surveys, problems) -> list[int]:
    """One indicator's points for every organization of a group: the fast path of `scoring.score_line`, which stays
    the rule. Columns of the usual values are taken whole (in C, through `map`); any other value, and every bad one
    for its message, goes through `score_line` itself. Every branch here must give what `score_line` gives for each
    value: `tests/test_assess_engine_paths.py` checks that for every indicator kind on generated columns."""
    top, method = ind.max_cents, ind.method

    def slow(k: int, value) -> int:
        place, org = them.places[k], them.orgs[k]
        bad: list[str] = []
        survey = surveys.get(org.code) if method is Method.SURVEY else None
        cents, _ = score_line(ind, value, survey, scheme, f"{org.code} {org.name}「{ind.name}」", bad)
        problems.extend((place, j, text) for text in bad)
        return cents

    kinds = set(map(type, col))
    if method is Method.GIVEN or method is Method.BONUS:
        if kinds == {int} and min(col) >= 0 and max(col) <= top:  # one rater each, in range: the points as given
            return list(col)
        return [
            (v if v.__class__ is int and 0 <= v <= top else 0 if v is None else slow(k, v)) for k, v in enumerate(col)
        ]
    if method is Method.DEDUCTION or method is Method.PENALTY:
        per, floor = ind.per_occurrence_cents, ind.floor_cents
        if kinds == {int} and min(col) >= 0:
            taken = list(map(per.__mul__, col))
            if method is Method.PENALTY:
                return taken
            if top - max(taken) >= floor:
                return list(map(top.__sub__, taken))
        if method is Method.PENALTY:
            return [
                (v * per if v.__class__ is int and v >= 0 else 0 if v is None else slow(k, v))
                for k, v in enumerate(col)
            ]
        return [
            (max(top - v * per, floor) if v.__class__ is int and v >= 0 else top if v is None else slow(k, v))
            for k, v in enumerate(col)
        ]
    if method is Method.YESNO or method is Method.DERIVED:
        if kinds == {bool}:
            return list(map(top.__mul__, col))  # True × top, False × top
        if kinds <= {bool, type(None)}:
            return [top if v else 0 for v in col]
        return [top if v is True else 0 if v is False or v is None else slow(k, v) for k, v in enumerate(col)]
    if method is Method.VETO:
        if kinds <= {bool, type(None)}:
            return [0] * len(col)
        return [0 if v is None or v is True or v is False else slow(k, v) for k, v in enumerate(col)]
    return [slow(k, v) for k, v in enumerate(col)]  # survey: each organization's own answers
