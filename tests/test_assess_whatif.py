"""The what-if page: weights, grade lines and weak floors changed in a copy of the scheme, the ranks and the weak
list beside the scheme as it is, against figures worked out by hand; nothing of the real assessment changes."""

import datetime
from decimal import Decimal

import pytest

from dangjian.assess import services, whatif
from dangjian.assess.models import Assessment, Entry, Participant, Result, SchemeRecord
from dangjian.core.models import AuditLog
from dangjian.orgs.choices import Domain, Level, OrgKind
from schemes import R01, Y01, county_scheme, given

from conftest import make_org

pytestmark = pytest.mark.django_db
SCHEME = county_scheme(given(60), R01, Y01, weak_floors="{农村: 25%}")
# Entered by the town: G01 points (of 60), R01 misses (2 points each, of 10), Y01 yes/no (10).
ENTRIES = {
    "T-VILLAGE": ("50", "0", "否"),
    "T-BIRCH": ("40", "1", "是"),
    "T-V3": ("55", "3", "是"),
    "T-V4": ("30", "0", "是"),
}
# G01 halved to 30 points, Y01 raised to 40, the C line down to 50, the rural floor up to 50%.
ASKED = {"go": "1", "w-G01": "30", "w-Y01": "40", "c-village": "50", "f-village": "50"}


@pytest.fixture
def assessment(region, county_user, town_user):
    return open_four_villages(region, county_user, town_user)


def open_four_villages(region, county_user, town_user):
    """漠北县's assessment of four villages with the ENTRIES (the browser test opens it too)."""
    make_org(region.town, "红旗村党支部", "T-V3", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    make_org(region.town, "前进村党支部", "T-V4", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    opened = services.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )
    for code, values in ENTRIES.items():
        p = Participant.objects.get(assessment=opened, code=code)
        for indicator, value in zip(("G01", "R01", "Y01"), values, strict=True):
            services.enter(p, indicator, value, actor=town_user)
    return opened


def changes(assessment):
    parsed, errors = whatif.parse_changes(assessment.scheme.parsed(), ASKED)
    assert errors == []
    return parsed


def test_the_changed_scheme_moves_ranks_and_the_weak_list_as_worked_out_by_hand(assessment):
    got = whatif.what_if(assessment, changes(assessment))
    rows = {r.code: r for r in got.rows}
    # As it is: 青松村 50+10+0 = 60 (C), 白桦村 40+8+10 = 58 (D), 红旗村 55+4+10 = 69 (C), 前进村 30+10+10 = 50 (D);
    # both Ds weak (the 25% floor of 4 is 1).
    assert {c: (str(r.now.total), r.now.rank, r.now.grade, r.now.weak) for c, r in rows.items()} == {
        "T-V3": ("69.00", 1, "C", False),
        "T-VILLAGE": ("60.00", 2, "C", False),
        "T-BIRCH": ("58.00", 3, "D", True),
        "T-V4": ("50.00", 4, "D", True),
    }
    # What if: G01 scaled to half (25, 20, 27.5, 15), Y01 worth 40: 35, 68, 71.5, 65; C from 50, so only 青松村 is
    # D; the 50% floor of 4 is 2, so the lowest of the rest, 前进村, is weak too.
    assert {c: (str(r.then.total), r.then.rank, r.then.grade, r.then.weak) for c, r in rows.items()} == {
        "T-V3": ("71.50", 1, "C", False),
        "T-BIRCH": ("68.00", 2, "C", False),
        "T-V4": ("65.00", 3, "C", True),
        "T-VILLAGE": ("35.00", 4, "D", True),
    }
    assert [r.code for r in got.rows] == ["T-V3", "T-BIRCH", "T-V4", "T-VILLAGE"]
    assert ([r.code for r in got.joined], [r.code for r in got.left]) == (["T-VILLAGE"], ["T-BIRCH"])
    assert (got.weak_now, got.weak_then, got.weak_changed) == (2, 2, 2)
    # Rank differences 0, −2, +1, +1: ρ = 1 − 6·6 / (4·15) = 0.4.
    [group] = got.groups
    assert (group.organizations, group.moved, round(group.correlation, 10)) == (4, 3, 0.4)
    assert [q.text for q in got.quotas_then] == ["农村 4 个 × 50% = 2"]


def test_nothing_changed_gives_the_same_ranks_and_a_correlation_of_one(assessment):
    got = whatif.what_if(assessment, whatif.Changes())
    assert all(r.now == r.then for r in got.rows)
    assert (got.weak_changed, got.groups[0].correlation) == (0, 1.0)


def test_spearman_with_ties_uses_average_ranks():
    # Ranks from the top: x = 4, 2.5, 2.5, 1 and y = 4, 3, 2, 1: r = 4.5 / √(4.5 · 5) = √0.9.
    assert whatif.spearman([10, 20, 20, 30], [1, 2, 3, 4]) == pytest.approx(0.9**0.5, abs=1e-12)
    assert whatif.spearman([5, 5, 5], [1, 2, 3]) is None
    assert whatif.spearman([7], [7]) is None


def test_a_weight_scales_deductions_and_adjustments_in_proportion(assessment, county_user):
    village = Participant.objects.get(assessment=assessment, code="T-VILLAGE")
    services.adjust(village, "G01", "54", "复核后调整", actor=county_user)
    parsed, errors = whatif.parse_changes(assessment.scheme.parsed(), {"w-R01": "15", "w-G01": "90"})
    assert errors == []
    scheme = whatif.variant(assessment.scheme.parsed(), parsed)
    r01 = next(ind for ind in scheme.groups[0].indicators if ind.code == "R01")
    assert (r01.max_cents, r01.per_occurrence_cents, r01.floor_cents) == (1500, 300, 0)
    rows = {r.code: r for r in whatif.what_if(assessment, parsed).rows}
    # 红旗村: G01 55 of 60 → 82.5 of 90, R01 15 − 3 × 3 = 6, Y01 10: 98.5. 青松村: adjusted 54 → 81, 15, 0: 96.
    assert (str(rows["T-V3"].then.total), str(rows["T-VILLAGE"].then.total)) == ("98.50", "96.00")


def test_bad_values_are_named_in_chinese(assessment):
    scheme = assessment.scheme.parsed()
    _, errors = whatif.parse_changes(
        scheme, {"w-G01": "abc", "w-Y01": "0", "a-village": "70", "b-village": "80", "f-village": "120"}
    )
    assert errors == [
        "「G01 工作成效」的分值：“abc”不是数字",
        "「Y01 民主评议」的分值应大于 0、不超过 1000 分（“0”）",
        "农村的等次线应为 A ≥ B ≥ C ≥ 0（现为 A 70、B 80、C 60）",
        "农村的软弱涣散比例：比例应在 0 到 100% 之间（“120%”）",
    ]


def _state(assessment):
    return (
        list(Assessment.objects.filter(pk=assessment.pk).values_list("digest", "run_at", "facts_taken_at", "status")),
        list(SchemeRecord.objects.values_list("text", "updated_at")),
        list(Result.objects.order_by("pk").values_list("participant_id", "total", "rank", "grade", "weak", "cents")),
        list(Entry.objects.order_by("pk").values_list("points", "count", "flag", "entered_at")),
        AuditLog.objects.count(),
    )


def test_the_page_compares_side_by_side_and_writes_nothing(assessment, county_user, login):
    services.run_assessment(assessment, actor=county_user)
    client = login(county_user)
    before = _state(assessment)
    page = client.get(f"/assess/{assessment.pk}/whatif/", ASKED)
    text = page.content.decode()
    assert page.status_code == 200
    assert "新列入软弱涣散（1）" in text and "移出软弱涣散（1）" in text
    assert 'id="weak-changed">2<' in text and "0.400" in text
    assert "T-VILLAGE 青松村党支部：60.00 → 35.00 分，C → D" in text
    assert _state(assessment) == before
    assert Decimal(Result.objects.get(participant__code="T-VILLAGE").total) == Decimal("60.00")


def test_the_page_refuses_bad_values_with_400_and_chinese(assessment, county_user, login):
    page = login(county_user).get(f"/assess/{assessment.pk}/whatif/", {"go": "1", "w-G01": "六十"})
    assert page.status_code == 400
    assert "「G01 工作成效」的分值：“六十”不是数字" in page.content.decode()


def test_only_those_who_manage_the_assessment_see_the_page(assessment, town_user, reader, outsider, login):
    for user in (town_user, reader, outsider):
        assert login(user).get(f"/assess/{assessment.pk}/whatif/", ASKED).status_code == 404
