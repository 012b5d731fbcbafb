"""The assessment run on small hand-computed cases: totals, ranks, grades, the weak list and its arithmetic."""

from decimal import Decimal
from pathlib import Path

import pytest

from dangjian.assess.engine import EntryError, OrgEntry, Survey, run
from dangjian.assess.scheme import SchemeError, quota
from dangjian.assess.schemefile import dump_scheme, load_scheme
from dangjian.assess.scoring import combine_raters

ROOT = Path(__file__).resolve().parent.parent

# One village group: given 60 (raters), deduction 20 (2 per time, floor 5), yes/no 20; bonus ≤ 5, penalty ≤ 4.
SCHEME = """
year: 2026
name: 测试方案
total: 100
grades: {A: 90, B: 80, C: 60}
weak_floors: {农村: 15%, 社区: 10%}
bonus_cap: 5
penalty_cap: 4
survey_fail_share: 50%
groups:
  - domain: 农村
    categories:
      - name: 工作
        indicators:
          - {code: G, name: 工作成效, points: 60, method: given, problem: service}
          - {code: R, name: 三会一课, points: 20, method: deduction, per: 2, floor: 5, problem: rules}
          - {code: Y, name: 民主评议, points: 20, method: yesno}
      - name: 其他
        indicators:
          - {code: B1, name: 表彰, points: 3, method: bonus}
          - {code: B2, name: 推广, points: 3, method: bonus}
          - {code: P, name: 通报批评, method: penalty, per: 3}
          - {code: V, name: 严重违纪, method: veto}
  - domain: 社区
    categories:
      - name: 工作
        indicators:
          - {code: G, name: 工作成效, points: 85, method: given}
          - {code: S, name: 居民满意度, points: 15, method: survey}
"""


def village(code, **kw):
    return OrgEntry(code=code, name=f"{code}村党支部", domain="village", **kw)


def given(points):
    """Whole points as the engine's centipoints."""
    return int(Decimal(str(points)) * 100)


def simple(scores: dict[str, float], extra=None):
    """Village values where only the given indicator varies; R and Y full."""
    values = {}
    for code, points in scores.items():
        values[(code, "G")] = [given(points)]
        values[(code, "R")] = 0
        values[(code, "Y")] = True
    values.update(extra or {})
    return values


@pytest.fixture
def scheme():
    return load_scheme(SCHEME)


def test_total_is_the_sum_of_its_parts_with_caps(scheme):
    values = {
        ("V1", "G"): [given(50)],
        ("V1", "R"): 3,  # 20 - 3 × 2 = 14
        ("V1", "Y"): False,  # 0
        ("V1", "B1"): given(3),
        ("V1", "B2"): given(3),  # bonus 6 capped at 5
        ("V1", "P"): 2,  # penalty 6 capped at 4
    }
    result = run(scheme, [village("V1")], values).by_code()["V1"]
    assert result.base_cents == given(64)
    assert result.bonus_cents == given(5)
    assert result.penalty_cents == given(4)
    assert result.total == Decimal("65.00")
    assert result.grade == "C"
    sources = {line.indicator.code: line.source for line in result.lines}
    assert sources["R"] == "3 次，每次扣 2.00 分"


def test_deduction_stops_at_its_floor_and_nothing_recorded_means_full_points(scheme):
    values = {("V1", "G"): [given(60)], ("V1", "R"): 20, ("V1", "Y"): True, ("V2", "G"): [given(60)], ("V2", "Y"): True}
    results = run(scheme, [village("V1"), village("V2")], values).by_code()
    assert results["V1"].total == Decimal("85.00")  # 60 + floor 5 + 20
    assert results["V2"].total == Decimal("100.00")  # no deduction entered: the full 20


def test_trimmed_mean_from_five_raters_up():
    assert combine_raters([8000, 9000], trim_from=5) == 8500
    # Four raters: plain mean of 70, 80, 90, 100 = 85.
    assert combine_raters([7000, 8000, 9000, 10000], trim_from=5) == 8500
    # Five raters: drop 10 and 100, mean of 80, 81, 82 = 81.
    assert combine_raters([1000, 8000, 8100, 8200, 10000], trim_from=5) == 8100
    # Rounding half up in hundredths: (1 + 2) / 2 = 1.5 hundredths → 2.
    assert combine_raters([1, 2], trim_from=5) == 2


def test_trimmed_mean_in_a_run_says_so(scheme):
    values = simple({})
    values[("V1", "G")] = [given(p) for p in (10, 50, 51, 52, 60)]
    values[("V1", "R")] = 0
    values[("V1", "Y")] = True
    result = run(scheme, [village("V1")], values).by_code()["V1"]
    line = next(ln for ln in result.lines if ln.indicator.code == "G")
    assert line.cents == given(51)
    assert line.source == "5 位评分人去掉最高分和最低分后平均"


def test_grade_lines_are_inclusive(scheme):
    # G is out of 60; with R and Y full a village has 40 + G.
    scores = {"V1": 50, "V2": 49.99, "V3": 40, "V4": 39.99}
    results = run(scheme, [village(c) for c in scores], simple(scores)).by_code()
    assert [results[c].grade for c in scores] == ["A", "B", "B", "C"]  # 90, 89.99, 80, 79.99


def test_exact_c_line_is_c_and_below_is_d(scheme):
    scores = {"V1": 20, "V2": 19.99}
    results = run(scheme, [village(c) for c in scores], simple(scores)).by_code()
    assert results["V1"].total == Decimal("60.00") and results["V1"].grade == "C"
    assert results["V2"].total == Decimal("59.99") and results["V2"].grade == "D"
    assert results["V2"].weak and results["V2"].weak_reasons[0] == "等次为 D（总分低于 C 等次线）"


def test_ranks_and_reverse_ranks_share_places_on_ties(scheme):
    scores = {"V1": 50, "V2": 45, "V3": 45, "V4": 30}
    results = run(scheme, [village(c) for c in scores], simple(scores)).by_code()
    assert [results[c].rank for c in ("V1", "V2", "V3", "V4")] == [1, 2, 2, 4]
    assert [results[c].reverse_rank for c in ("V1", "V2", "V3", "V4")] == [4, 2, 2, 1]


def test_weak_floor_is_rounded_up_and_shown_as_arithmetic(scheme):
    # 20 villages × 15% = 3; all above the C line, so the three lowest are weak.
    scores = {f"V{i:02d}": 30 + i for i in range(1, 21)}
    outcome = run(scheme, [village(c) for c in scores], simple(scores))
    weak = sorted(r.org.code for r in outcome.results if r.weak)
    assert weak == ["V01", "V02", "V03"]
    line = next(q for q in outcome.quotas if q.domain == "village")
    assert (line.organizations, line.floor, line.weak) == (20, 3, 3)
    assert line.text == "农村 20 个 × 15% = 3"
    assert outcome.by_code()["V02"].weak_reasons == ["倒排进入比例线：农村 20 个 × 15% = 3"]
    # 21 villages × 15% = 3.15 → 4 (rounded up).
    assert quota(21, Decimal("0.15")) == 4
    assert quota(40, Decimal("0.15")) == 6


def test_ties_at_the_cut_are_all_included(scheme):
    # 10 villages × 15% = 1.5 → 2; the 2nd and 3rd lowest are tied: both are weak, so 3 in all.
    scores = {f"V{i:02d}": 40 + i for i in range(1, 11)}
    scores["V03"] = scores["V02"]
    outcome = run(scheme, [village(c) for c in scores], simple(scores))
    assert sorted(r.org.code for r in outcome.results if r.weak) == ["V01", "V02", "V03"]
    assert outcome.by_code()["V03"].weak_reasons[0].endswith("（与比例线并列）")
    assert outcome.quotas[0].floor == 2 and outcome.quotas[0].weak == 3


def test_tie_rule_code_cuts_exactly(scheme):
    from dataclasses import replace

    scores = {f"V{i:02d}": 40 + i for i in range(1, 11)}
    scores["V03"] = scores["V02"]
    outcome = run(replace(scheme, tie_rule="code"), [village(c) for c in scores], simple(scores))
    assert sorted(r.org.code for r in outcome.results if r.weak) == ["V01", "V02"]


def test_grade_d_counts_toward_the_floor_and_beyond_it(scheme):
    # 10 villages, floor 2; three are D: all three are weak, nobody else is added.
    scores = {f"V{i:02d}": 45 for i in range(1, 11)}
    for code in ("V01", "V02", "V03"):
        scores[code] = 10
    outcome = run(scheme, [village(c) for c in scores], simple(scores))
    assert sorted(r.org.code for r in outcome.results if r.weak) == ["V01", "V02", "V03"]
    # One D: one more from the lowest of the rest (all tied at 85: all included under the tie rule).
    scores = {f"V{i:02d}": 45 + i for i in range(1, 11)}
    scores["V10"] = 10
    outcome = run(scheme, [village(c) for c in scores], simple(scores))
    assert sorted(r.org.code for r in outcome.results if r.weak) == ["V01", "V10"]


def test_veto_forces_d_and_weak_whatever_the_total(scheme):
    scores = {"V1": 60, "V2": 55}
    values = simple(scores, {("V1", "V"): True, ("V2", "V"): False})
    results = run(scheme, [village(c) for c in scores], values).by_code()
    assert results["V1"].total == Decimal("100.00")
    assert results["V1"].grade == "D"
    assert results["V1"].weak_reasons == ["等次为 D（一票否决：严重违纪）"]
    assert results["V2"].grade == "A" and not results["V2"].weak


def test_survey_majority_dissatisfied_forces_d():
    scheme = load_scheme(SCHEME)
    orgs = [OrgEntry(code=c, name=c, domain="community") for c in ("C1", "C2")]
    values = {("C1", "G"): [given(85)], ("C2", "G"): [given(85)]}
    surveys = {"C1": Survey(satisfied=4, fair=0, dissatisfied=6), "C2": Survey(satisfied=5, fair=2, dissatisfied=3)}
    results = run(scheme, orgs, values, surveys).by_code()
    assert results["C1"].grade == "D"
    assert results["C1"].grade_reasons == ["群众不满意超过 50%（6/10）"]
    # 15 × 7/10 = 10.5 survey points.
    assert results["C2"].total == Decimal("95.50") and results["C2"].grade == "A"


def test_empty_domain_has_no_floor_and_unlisted_domain_is_refused(scheme):
    outcome = run(scheme, [village("V1")], simple({"V1": 50}))
    community = next(q for q in outcome.quotas if q.domain == "community")
    assert (community.organizations, community.floor, community.weak) == (0, 0, 0)
    assert community.text == "社区 0 个 × 10% = 0"
    # 1 village × 15% = 0.15 → 1: a lone village is always on the list.
    assert outcome.by_code()["V1"].weak
    with pytest.raises(EntryError, match="方案中没有“机关”的指标"):
        run(scheme, [OrgEntry(code="A1", name="某局党支部", domain="agency")], {})


def test_two_years_running_removes_the_secretary_and_for_a_second_tier_branch_its_parents(scheme):
    scores = {"V1": 10, "V2": 10, "V3": 10, "V4": 50}
    orgs = [
        village("V1", weak_last_year=True),
        village("V2", weak_last_year=True, second_tier=True, parent_code="Z1"),
        village("V3"),
        village("V4", weak_last_year=True),
    ]
    results = run(scheme, orgs, simple(scores)).by_code()
    assert results["V1"].consequences == ["连续两年被列为软弱涣散基层党组织：撤换党组织书记"]
    assert results["V2"].consequences == [
        "连续两年被列为软弱涣散基层党组织：撤换党组织书记",
        "二级党支部连续两年软弱涣散：同时撤换上级党组织（Z1）书记",
    ]
    assert results["V3"].consequences == []  # first year
    assert results["V4"].consequences == []  # not weak this year


def test_problem_flags_from_low_areas_and_from_records(scheme):
    values = simple({"V1": 30})  # service area: 30/60 = 50% < 60%
    values[("V1", "R")] = 6  # rules area: 20 - 12 = 8/20 = 40%
    orgs = [village("V1", flags=frozenset({"committee"}))]
    result = run(scheme, orgs, values).by_code()["V1"]
    assert result.problems == ["班子配备不齐全", "制度执行不经常", "服务群众不积极"]


def test_bad_entries_are_all_reported_and_nothing_is_produced(scheme):
    values = simple({"V1": 50, "V2": 50})
    values[("V1", "G")] = [given(61)]
    values[("V2", "R")] = -1
    with pytest.raises(EntryError) as caught:
        run(scheme, [village("V1"), village("V2")], values)
    assert caught.value.problems == [
        "V1 V1村党支部「工作成效」：评分应在 0 到 60.00 分之间",
        "V2 V2村党支部「三会一课」：次数应为不小于 0 的整数",
    ]


def test_same_inputs_same_digest_and_any_change_changes_it(scheme):
    scores = {f"V{i}": 40 + i for i in range(1, 8)}
    first = run(scheme, [village(c) for c in scores], simple(scores))
    again = run(scheme, [village(c) for c in reversed(list(scores))], simple(scores))
    assert first.digest == again.digest
    scores["V3"] += 0.01
    changed = run(scheme, [village(c) for c in scores], simple(scores))
    assert changed.digest != first.digest


def test_example_scheme_loads_and_round_trips():
    text = (ROOT / "examples" / "scheme-county.yaml").read_text(encoding="utf-8")
    scheme = load_scheme(text)
    assert {g.domain for g in scheme.groups} == {
        "village",
        "community",
        "agency",
        "institution",
        "state_enterprise",
        "non_public",
    }
    assert all(g.base_max_cents() == 100 * 100 for g in scheme.groups)
    assert all(g.lines_cents == (9000, 8000, 6000) for g in scheme.groups)
    assert scheme.weak_floors["village"] == Decimal("0.15")
    assert scheme.weak_floors["community"] == Decimal("0.10")
    assert scheme.weak_floors["non_public"] == Decimal("0.05")
    assert load_scheme(dump_scheme(scheme)) == scheme


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("year: 2026\ngroups: [", "不是有效的 YAML"),
        ("name: x\ngroups: []", "缺少年度"),
        ("year: 2026\ngroups: []", "没有分组"),
        ("year: 2026\nyaer: 1\ngroups: []", "未知的键：yaer"),
        (
            "year: 2026\ngroups:\n - domain: 农场\n   categories: []",
            "未知的党建类型“农场”",
        ),
        (
            "year: 2026\ntotal: 100\ngroups:\n - domain: 农村\n   categories:\n"
            "    - name: a\n      indicators:\n       - {code: A, name: a, points: 90, method: given}",
            "基础指标合计 90 分，应为 100 分",
        ),
        (
            "year: 2026\ngroups:\n - domain: 农村\n   categories:\n"
            "    - name: a\n      indicators:\n       - {code: A, name: a, points: 9.999, method: given}",
            "最多保留两位小数",
        ),
        (
            "year: 2026\ngroups:\n - domain: 农村\n   categories:\n"
            "    - name: a\n      indicators:\n       - {code: A, name: a, points: 10, method: guess}",
            "未知的计分方式“guess”",
        ),
        (
            "year: 2026\ngroups:\n - domain: 农村\n   grades: {A: 80, B: 90, C: 60}\n   categories:\n"
            "    - name: a\n      indicators:\n       - {code: A, name: a, points: 10, method: given}",
            "等次线应为 A > B > C",
        ),
        (
            "year: 2026\nweak_floors: {农村: 150%}\ngroups:\n - domain: 农村\n   categories:\n"
            "    - name: a\n      indicators:\n       - {code: A, name: a, points: 10, method: given}",
            "比例应在 0 到 100% 之间",
        ),
    ],
)
def test_bad_scheme_files_are_refused_in_chinese(text, message):
    with pytest.raises(SchemeError, match=message):
        load_scheme(text)


def test_unknown_metric_is_refused_when_the_registry_is_given():
    text = (
        "year: 2026\ngroups:\n - domain: 农村\n   categories:\n    - name: a\n      indicators:\n"
        "       - {code: A, name: a, points: 10, method: derived, metric: nonsense}"
    )
    with pytest.raises(SchemeError, match="未知的数据来源“nonsense”"):
        load_scheme(text, metrics={"committee_complete"})


def test_review_adjustment_replaces_the_points_and_says_why(scheme):
    values = simple({"V1": 30})
    overrides = {("V1", "G"): (given(45), "补充佐证材料后复核")}
    result = run(scheme, [village("V1")], values, overrides=overrides).by_code()["V1"]
    assert result.total == Decimal("85.00")
    line = next(ln for ln in result.lines if ln.indicator.code == "G")
    assert line.source == "复核调整：30.00 → 45.00 分（补充佐证材料后复核）"
    with pytest.raises(EntryError, match="复核调整分值超出范围"):
        run(scheme, [village("V1")], values, overrides={("V1", "G"): (given(61), "x")})
