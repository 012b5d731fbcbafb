"""The engine's column-wise fast path (`fast.score_column`) gives, for every indicator kind, what the rule
(`scoring.score_line`) gives value by value: the same points and the same problems, for good values, blanks and bad
ones alike."""

import itertools
from decimal import Decimal

import hypothesis
from hypothesis import strategies as st

from dangjian.assess.engine import Members, OrgEntry, Survey, run
from dangjian.assess.fast import score_column
from dangjian.assess.scheme import Group, Indicator, Method, Scheme
from dangjian.assess.scoring import score_line

# What an entry may hold, the odd included: raters' lists, counts, shares, yes/no, blanks, text from a sheet.
ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(min_value=-0.5, max_value=1.5, allow_nan=False),
    st.lists(st.integers(min_value=-5, max_value=2_500), max_size=7),
    st.sampled_from(["", "是", "0.5", "x"]),
    st.decimals(min_value=Decimal("-0.5"), max_value=Decimal("1.5"), places=3),
)


@st.composite
def cases(draw) -> tuple[Indicator, list]:
    """An indicator of any kind and a column of values for it: mostly of the usual kind for the fast path (with
    the numbers at its edges: 0, the top, one past it, the count that reaches a deduction's floor), sometimes odd."""
    method = draw(st.sampled_from(list(Method)))
    top = draw(st.one_of(st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=2_000)))
    per = draw(st.one_of(st.integers(min_value=1, max_value=2), st.integers(min_value=0, max_value=500)))
    floor = draw(st.integers(min_value=0, max_value=top))
    ind = Indicator("I", "指标", "类别", method, max_cents=top, per_occurrence_cents=per, floor_cents=floor, metric="m")
    reach = (top - floor) // per if per else 0  # occurrences that take a deduction down to its floor, or just above
    edges = st.sampled_from(sorted({0, 1, max(top - 1, 0), top, top + 1, reach, reach + 1, reach + 2}))
    counts = st.one_of(edges, st.integers(min_value=0, max_value=2 * top + 3))
    usual = st.one_of(counts, st.booleans(), st.none())
    kind = draw(st.sampled_from(["counts", "yes/no", "usual", "odd"]))
    values = {"counts": counts, "yes/no": st.booleans(), "usual": usual, "odd": st.one_of(usual, ODD)}[kind]
    return ind, draw(st.lists(values, max_size=12))


def outcome(call):
    """What a call gives, or the kind of error it raises (both paths must then raise the same)."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - compared, not swallowed
        return type(exc)


def assert_same(ind: Indicator, col: list, trim_from: int = 5, answers=()) -> None:
    """`score_column` on the column and `score_line` on each value: the same points, problems (or error)."""
    scheme = Scheme(2026, "方案", (), trim_from=trim_from)
    orgs = [OrgEntry(f"C{k:02d}", f"组织{k}", "village") for k in range(len(col))]
    surveys = {org.code: Survey(*a) for org, a in zip(orgs, answers, strict=False)}
    them = Members(Group("village", indicators=(ind,)), places=[10 + k for k in range(len(col))], orgs=orgs)

    fast_problems: list = []
    fast = outcome(lambda: score_column(scheme, ind, 0, tuple(col), them, surveys, fast_problems))

    rule_problems: list = []

    def by_rule():
        points = []
        for k, (org, value) in enumerate(zip(orgs, col, strict=True)):
            found: list[str] = []
            survey = surveys.get(org.code) if ind.method is Method.SURVEY else None
            points.append(score_line(ind, value, survey, scheme, f"{org.code} {org.name}「{ind.name}」", found)[0])
            rule_problems.extend((10 + k, 0, text) for text in found)
        return points

    assert fast == outcome(by_rule), (ind, col)
    if not isinstance(fast, type):
        assert fast_problems == rule_problems, (ind, col)


@hypothesis.settings(max_examples=600, deadline=None)
@hypothesis.given(
    case=cases(),
    trim_from=st.integers(min_value=3, max_value=6),
    answers=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)), max_size=12),
)
def test_the_column_path_gives_the_rule_s_points_and_problems_for_every_indicator_kind(case, trim_from, answers):
    ind, col = case
    assert_same(ind, col, trim_from, answers)


SMALL_VALUES = [None, True, False, -1, 0, 1, 2, 3, 4, 5, 6, 7, [], [2, 3], 0.5, "x"]


def test_every_column_of_one_or_two_small_values_gives_the_rule_s_points_for_every_kind():
    """Exhaustive on small numbers, where every edge of the fast path (top, floor, one past them) is met."""
    for method in Method:
        for top, per in itertools.product([0, 1, 3, 5], [0, 1, 2]):
            for floor in sorted({0, min(1, top), top}):
                ind = Indicator("I", "指标", "类别", method, top, per, floor, metric="m")
                for col in itertools.chain(([v] for v in SMALL_VALUES), itertools.product(SMALL_VALUES, repeat=2)):
                    assert_same(ind, list(col), answers=[(1, 1, 1), (0, 0, 0)])


def test_a_run_gives_every_indicator_kind_its_hand_computed_points():
    """The same two paths through `run`, against points worked out by hand: 50 given; 20 less 2 × 2; the share;
    yes and no; 4 of 4 answers satisfied or fair; ... (the rule could be wrong the same way as its copy)."""
    kinds = [
        Indicator("G", "评分", "c", Method.GIVEN, max_cents=6_000),
        Indicator("R", "扣分", "c", Method.DEDUCTION, max_cents=2_000, per_occurrence_cents=200, floor_cents=500),
        Indicator("D", "系统", "c", Method.DERIVED, max_cents=1_000, metric="m"),
        Indicator("Y", "是否", "c", Method.YESNO, max_cents=1_000),
        Indicator("S", "满意度", "c", Method.SURVEY, max_cents=1_000),
        Indicator("B", "加分", "c", Method.BONUS, max_cents=300),
        Indicator("P", "减分", "c", Method.PENALTY, per_occurrence_cents=300),
        Indicator("V", "否决", "c", Method.VETO),
    ]
    scheme = Scheme(2026, "方案", (Group("village", indicators=tuple(kinds)),))
    orgs = [OrgEntry("A", "甲", "village"), OrgEntry("B", "乙", "village")]
    values = {("A", "G"): 5_000, ("B", "G"): 6_000, ("A", "R"): 2, ("B", "R"): 9, ("A", "D"): True}
    values |= {("B", "D"): False, ("A", "Y"): True, ("B", "Y"): False, ("A", "B"): 100, ("B", "B"): 300}
    values |= {("A", "P"): 1, ("B", "P"): 0, ("A", "V"): False, ("B", "V"): False}
    surveys = {"A": Survey(3, 1, 0)}
    results = run(scheme, orgs, values, surveys).by_code()
    assert results["A"].cents == (5_000, 1_600, 1_000, 1_000, 1_000, 100, 300, 0)
    assert results["B"].cents == (6_000, 500, 0, 0, 0, 300, 0, 0)
