"""The assessment schemes the tests open, written once: a 漠北县 scheme of one rural group and one category, and the
indicator lines the test files pick from. Each file says only what its scheme has of its own (points, floors, a survey).

Tests edit the text with `str.replace` on these lines (a name, a points value), so they are kept as YAML text.
"""

from __future__ import annotations

T01 = "{code: T01, name: 书记在岗, points: 10, method: derived, metric: secretary_in_post, problem: secretary}"
R01 = "{code: R01, name: 三会一课, points: 10, method: deduction, per: 2}"
V01 = "{code: V01, name: 严重违纪, method: veto}"
Y01 = "{code: Y01, name: 民主评议, points: 10, method: yesno}"
S01 = "{code: S01, name: 群众满意度, points: 20, method: survey}"


def given(points: int) -> str:
    """The indicator a test types in by hand (G01), worth `points`."""
    return f"{{code: G01, name: 工作成效, points: {points}, method: given}}"


def county_scheme(*indicators: str, year: int = 2026, category: str = "班子", **header: str) -> str:
    """漠北县's scheme of `year` with `indicators` in one rural category; `header` adds top-level keys
    (total, grades, weak_floors, survey_fail_share) in the order given."""
    lines = ["", f"year: {year}", f"name: 漠北县{year}年度考核方案"]
    lines += [f"{key}: {value}" for key, value in header.items()]
    lines += ["groups:", "  - domain: 农村", "    categories:", f"      - name: {category}", "        indicators:"]
    lines += [f"          - {line}" for line in indicators]
    return "\n".join(lines) + "\n"


# The scheme most tests open: a derived, a given, a deduction and a veto indicator, the weakest 15% of villages weak.
COUNTY_SCHEME = county_scheme(T01, given(80), R01, V01, total="100", weak_floors="{农村: 15%}")
