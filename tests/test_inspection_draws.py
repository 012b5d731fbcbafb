"""Provable random draws (双随机): the fixed vector, the commitment and the reveal, strata and exclusions, the conflict
rules, the refusals (each audited, nothing half-written), `inspect verify` on a tampered draw, the third party's
script, and the monthly spot-check made by the cadence job from a draw nobody could compute in advance."""

from __future__ import annotations

import datetime
import hashlib
import json
import runpy
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from dangjian.cadence.models import Notification
from dangjian.core.models import AuditLog
from dangjian.flows import schedule
from dangjian.inspections import algorithm, services
from dangjian.inspections.choices import DrawStatus, PopulationKind, StratifyBy
from dangjian.inspections.models import Draw, DrawTarget, Inspector
from dangjian.inspections.verify import export_data, verify_draw
from dangjian.rectify.models import Case, CaseStatus
from dangjian.rectify.services import open_case
from inspection_setup import AFTER_DRAW, DRAW_AT, SECRET, T0, TZ, VISIT_UNTIL, committed, inspection_county, set_up

pytestmark = pytest.mark.django_db
VERIFY_SCRIPT = Path(__file__).resolve().parent.parent / "docs" / "verify_draw.py"


@pytest.fixture
def county(region):
    return inspection_county(region)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def keys(draw):
    return list(draw.targets.order_by("position").values_list("key", flat=True))


def teams(draw):
    return {t.key: sorted(i.user.username for i in t.team.all()) for t in draw.targets.prefetch_related("team__user")}


def refusals(action="update"):
    return list(AuditLog.objects.filter(success=False).values_list("detail", flat=True))


# ---------------------------------------------------------------------------------------------------- fixed vector

# The manifest of the inspection county's villages by town, and what dangjian-draw-v1 gives for SECRET, HEAD and
# BEACON: computed once with docs/verify_draw.py (the standalone implementation) and written down here, so the
# system's draw must reproduce them on SQLite and on PostgreSQL alike.
HEAD = "ab" * 32
BEACON = "2026030 07 12 19 23 28 31+05"
FIXED_DIGEST = "d32208da8a41ea6d18ce2eb2300405f4c5211ca330834a134676bc58d6b8391e"
FIXED_SEED = "23ee42d464ac910b455b8a6e4db2ec9f2f710aa41301b22a2346a10f8dc25319"
FIXED_TARGETS = ["T-ICE2", "T-BIRCH"]  # 冰河镇党委 before 松岭镇党委: strata in code-point order
FIXED_TEAMS = {"T-ICE2": ["dept_a", "dept_b"], "T-BIRCH": ["dept_a", "icy"]}  # never 松岭's own "song" for 白桦村


def test_the_same_secret_beacon_and_population_give_the_same_draw_on_every_database(county, clock, monkeypatch):
    draw = committed(county)
    assert draw.population_digest == FIXED_DIGEST
    assert draw.commitment == hashlib.sha256(SECRET).hexdigest()
    Draw.objects.filter(pk=draw.pk).update(beacon=BEACON)
    monkeypatch.setattr(services, "locked_head", lambda: (7, HEAD))
    clock.move_to(AFTER_DRAW)
    draw = services.make_draw(Draw.objects.get(pk=draw.pk), actor=None)
    assert keys(draw) == FIXED_TARGETS
    assert teams(draw) == FIXED_TEAMS
    assert draw.seed == FIXED_SEED


# -------------------------------------------------------------------------------------------------- commitment, reveal


def test_the_secret_is_committed_before_and_revealed_after_the_draw_and_matches_its_commitment(county, clock):
    draw = services.commit_draw(set_up(county), actor=None)
    assert draw.status == DrawStatus.COMMITTED and len(draw.commitment) == 64
    assert draw.revealed_secret == "" and not draw.targets.exists()
    clock.move_to(AFTER_DRAW)
    draw = services.make_draw(draw, actor=None)
    assert hashlib.sha256(bytes.fromhex(draw.revealed_secret)).hexdigest() == draw.commitment
    assert draw.secret == "" and draw.status == DrawStatus.DRAWN
    assert all(check.ok for check in verify_draw(draw)), verify_draw(draw)
    own = AuditLog.objects.get(seq=draw.audit_seq + 1)
    assert own.prev_hash == draw.audit_head and own.object_id == str(draw.pk)
    assert own.after["secret"] == draw.revealed_secret


def test_the_secret_is_stored_encrypted_until_the_reveal(county, clock):
    from django.db import connection

    draw = services.commit_draw(set_up(county), actor=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM inspections_draw WHERE id = %s", [draw.pk])
        stored = cursor.fetchone()[0]
    assert stored and draw.secret not in stored
    assert hashlib.sha256(bytes.fromhex(draw.secret)).hexdigest() == draw.commitment


def test_a_draw_is_not_made_before_its_stated_time(county, clock):
    draw = committed(county)
    with pytest.raises(ValidationError) as refused:
        services.make_draw(draw, actor=None)
    assert refused.value.messages == ["未到公布的抽取时间（2026-03-03 09:00），不能提前抽取。"]
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMMITTED and not draw.targets.exists() and draw.revealed_secret == ""
    assert refusals() == ["随机抽取被拒绝：未到公布的抽取时间（2026-03-03 09:00），不能提前抽取。"]


# -------------------------------------------------------------------------------------------------- strata, exclusions


def strata_counts(draw):
    counts = {}
    for stratum in draw.targets.values_list("stratum", flat=True):
        counts[stratum] = counts.get(stratum, 0) + 1
    return counts


def test_each_stratum_gives_its_count_or_share(county, clock):
    by_count = committed(county, quota_overrides={"冰河镇党委": "2"})
    shares = committed(county, secret=bytes(range(1, 33)), quota_default="50%", title="按比例")
    assert by_count.quotas == {"冰河镇党委": 2, "松岭镇党委": 1}
    assert shares.quotas == {"冰河镇党委": 2, "松岭镇党委": 1}  # 50% of 3 rounded up, 50% of 2
    clock.move_to(AFTER_DRAW)
    for draw in (by_count, shares):
        draw = services.make_draw(draw, actor=None)
        assert strata_counts(draw) == {"冰河镇党委": 2, "松岭镇党委": 1}
        towns = dict(DrawTarget.objects.filter(draw=draw).values_list("key", "stratum"))
        assert all(
            stratum == ("松岭镇党委" if key in ("T-VILLAGE", "T-BIRCH") else "冰河镇党委")
            for key, stratum in towns.items()
        )


def test_strata_by_domain_and_by_last_grade(county, clock):
    by_domain = set_up(county, stratify_by=StratifyBy.DOMAIN)
    assert services.strata_sizes(by_domain.eligible()) == {"农村": 4, "社区": 1}
    by_grade = set_up(county, stratify_by=StratifyBy.GRADE, title="按等次")
    assert services.strata_sizes(by_grade.eligible()) == {"未评定": 5}


def test_a_stratum_asking_for_more_than_it_has_is_refused_and_nothing_is_committed(county, clock):
    draw = set_up(county, quota_overrides={"松岭镇党委": "3"})
    with pytest.raises(ValidationError) as refused:
        services.commit_draw(draw, actor=None)
    assert refused.value.messages == ["分层「松岭镇党委」要求抽取 3 个，但只有 2 个可抽取对象。"]
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAFT and draw.commitment == "" and draw.secret == "" and draw.pool == []
    assert refusals() == ["承诺随机抽取被拒绝：分层「松岭镇党委」要求抽取 3 个，但只有 2 个可抽取对象。"]


def test_a_quota_that_is_not_a_count_or_share_is_refused_at_set_up(county, clock):
    with pytest.raises(ValidationError) as refused:
        set_up(county, quota_default="两个")
    assert refused.value.message_dict == {"quota_default": ["抽取数「两个」无效：应为个数（如 2）或比例（如 20%）。"]}
    assert not Draw.objects.exists()
    assert refusals() == ["设立随机抽取被拒绝：抽取数「两个」无效：应为个数（如 2）或比例（如 20%）。"]


def test_organizations_drawn_lately_are_left_out_and_say_why(county, clock):
    first = committed(county)
    clock.move_to(AFTER_DRAW)
    first = services.make_draw(first, actor=None)
    drawn = set(keys(first))
    second = set_up(county, when=AFTER_DRAW, draw_at=AFTER_DRAW + datetime.timedelta(days=1), quota_default="100%")
    left_out = {m["key"]: m["reason"] for m in second.population if m["excluded"]}
    assert set(left_out) == drawn
    assert all(reason == "近 3 个月内已抽中：2026-03-03「2026年3月随机督导」" for reason in left_out.values())
    second = services.set_member_excluded(second, "T-ICE1", actor=None, excluded=True, reason="该村已撤并")
    second = services.commit_draw(second, actor=None, now=AFTER_DRAW)
    clock.move_to(AFTER_DRAW + datetime.timedelta(days=1, minutes=1))
    second = services.make_draw(second, actor=None)
    assert set(keys(second)) == {"T-VILLAGE", "T-ICE1", "T-ICE2", "T-ICE3", "T-BIRCH"} - drawn - {"T-ICE1"}
    later = AFTER_DRAW + datetime.timedelta(days=2)
    with_zero = set_up(county, when=AFTER_DRAW, draw_at=later, exclude_months=0, title="不排除")
    assert not any(m["excluded"] for m in with_zero.population)


# ---------------------------------------------------------------------------------------------------- conflict rules


def test_no_inspector_goes_to_their_own_town_or_back_to_the_organization_they_checked_last(county, clock):
    towns = {"dept_a": "", "dept_b": "", "song": "T-TOWN", "icy": "T-TOWN2"}
    org_town = {
        "T-VILLAGE": "T-TOWN",
        "T-BIRCH": "T-TOWN",
        "T-ICE1": "T-TOWN2",
        "T-ICE2": "T-TOWN2",
        "T-ICE3": "T-TOWN2",
    }
    last = {}
    moment = T0
    for n in range(6):
        draw = services.setup_draw(
            county.north,
            actor=None,
            title=f"第{n + 1}轮",
            population_kind=PopulationKind.VILLAGES,
            quota_default="100%",
            exclude_months=0,
            team_size=1,
            draw_at=moment + datetime.timedelta(hours=1),
            visit_until=VISIT_UNTIL,
            now=moment,
        )
        draw = services.commit_draw(draw, actor=None, now=moment, token_bytes=lambda k, n=n: bytes([n + 7]) * k)
        moment += datetime.timedelta(hours=2)
        clock.move_to(moment)
        draw = services.make_draw(draw, actor=None)
        for key, team in teams(draw).items():
            (inspector,) = team
            assert towns[inspector] != org_town[key], (n, key, inspector)
            assert inspector not in last.get(key, []), (n, key, inspector)
            last[key] = team
        assert all(check.ok for check in verify_draw(draw))


def test_an_empty_inspector_pool_is_refused(county, clock):
    Inspector.objects.update(active=False)
    draw = set_up(county)
    with pytest.raises(ValidationError) as refused:
        services.commit_draw(draw, actor=None)
    assert refused.value.messages == ["督导人员库为空，不能承诺抽取。请先在督导人员库中添加督导人员。"]
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAFT and draw.commitment == ""
    assert refusals() == ["承诺随机抽取被拒绝：督导人员库为空，不能承诺抽取。请先在督导人员库中添加督导人员。"]


def test_a_team_the_conflict_rules_cannot_fill_is_refused_at_the_commitment(county, clock):
    draw = set_up(county, team_size=4)
    with pytest.raises(ValidationError) as refused:
        services.commit_draw(draw, actor=None)
    assert refused.value.messages == [
        "可派的督导人员不足：每组需 4 人，回避本乡镇和上次督导人员后，"
        "「青松村党支部」只有 3 人、「白桦村党支部」只有 3 人、「冰河一村党支部」只有 3 人、"
        "「冰河二村党支部」只有 3 人、「冰河社区党支部」只有 3 人。"
        "请在督导人员库中增加其他乡镇或县直单位的人员。"
    ]


# ------------------------------------------------------------------------------------------------ after the commitment


def test_the_population_cannot_be_changed_after_the_commitment(county, clock):
    draw = committed(county)
    with pytest.raises(ValidationError) as refused:
        services.set_member_excluded(draw, "T-ICE1", actor=None, excluded=True, reason="临时调整")
    assert refused.value.messages == ["抽取已承诺，总体名单已冻结，不能再修改。"]
    draw.refresh_from_db()
    assert not any(m["excluded"] for m in draw.population)
    assert refusals() == ["调整抽取总体名单被拒绝：抽取已承诺，总体名单已冻结，不能再修改。"]


def test_a_population_edited_behind_the_service_is_refused_at_the_draw(county, clock):
    draw = committed(county)
    edited = [m for m in draw.population if m["key"] != "T-ICE2"]  # quietly drop one village
    Draw.objects.filter(pk=draw.pk).update(population=edited)
    clock.move_to(AFTER_DRAW)
    with pytest.raises(ValidationError) as refused:
        services.make_draw(Draw.objects.get(pk=draw.pk), actor=None)
    assert refused.value.messages == ["总体名单在承诺后被改动（摘要值不符），拒绝抽取。"]
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMMITTED and not draw.targets.exists()
    assert refusals() == ["随机抽取被拒绝：总体名单在承诺后被改动（摘要值不符），拒绝抽取。"]


def test_a_secret_that_does_not_match_the_commitment_is_never_revealed(county, clock):
    draw = committed(county)
    Draw.objects.filter(pk=draw.pk).update(secret=bytes(range(100, 132)).hex())  # swapped in the database
    clock.move_to(AFTER_DRAW)
    with pytest.raises(ValidationError) as refused:
        services.make_draw(Draw.objects.get(pk=draw.pk), actor=None)
    assert refused.value.messages == ["揭示的随机秘密与事先公布的承诺值不符，拒绝抽取和揭示。"]
    draw.refresh_from_db()
    assert draw.revealed_secret == "" and not draw.targets.exists()
    assert refusals() == ["随机抽取被拒绝：揭示的随机秘密与事先公布的承诺值不符，拒绝抽取和揭示。"]
    with pytest.raises(ValidationError):
        services.check_secret(draw, "00" * 32)


def test_a_required_beacon_comes_from_a_second_person_before_the_draw(county, clock, county_user, city_admin):
    draw = services.setup_draw(
        county.north,
        actor=county_user,
        title="须录入公开随机数",
        population_kind=PopulationKind.VILLAGES,
        draw_at=DRAW_AT,
        visit_until=VISIT_UNTIL,
        beacon_required=True,
    )
    draw = services.commit_draw(draw, actor=county_user)
    clock.move_to(AFTER_DRAW)
    with pytest.raises(ValidationError) as early:
        services.make_draw(draw, actor=county_user)
    assert early.value.messages == ["本次抽取须先由第二人录入公开随机数（如当期彩票开奖号码）。"]
    with pytest.raises(ValidationError) as same:
        services.enter_beacon(draw, actor=county_user, value="12 25 33")
    assert same.value.messages == ["公开随机数须由设立抽取以外的另一人录入。"]
    services.enter_beacon(draw, actor=city_admin, value="12 25 33")
    draw = services.make_draw(Draw.objects.get(pk=draw.pk), actor=county_user)
    assert draw.beacon == "12 25 33"
    assert draw.seed == algorithm.seed(
        bytes.fromhex(draw.revealed_secret), draw.population_digest, draw.audit_head, "12 25 33"
    )
    assert all(check.ok for check in verify_draw(draw))


# ---------------------------------------------------------------------------------------------------- verification


@pytest.fixture
def made(county, clock):
    draw = services.commit_draw(set_up(county), actor=None)
    clock.move_to(AFTER_DRAW)
    return services.make_draw(draw, actor=None)


def test_inspect_verify_passes_on_a_draw_as_made(made, capsys):
    call_command("inspect", "verify", str(made.pk))
    out = capsys.readouterr().out
    assert "复核通过。" in out and "不符" not in out


@pytest.mark.parametrize(
    ("tamper", "failed"),
    [
        ("team", "抽中名单和督导组"),
        ("target", "抽中名单和督导组"),
        ("secret", "随机秘密与承诺值、抽取种子"),  # the list, re-run from a wrong seed, differs but may not
        ("head", "抽取时的审计日志链头、抽取记录的位置、抽取种子"),
        ("population", "总体名单摘要值、抽中名单和督导组"),
    ],
)
def test_inspect_verify_fails_on_a_tampered_draw(made, county, tamper, failed):
    first = made.targets.order_by("position").first()
    if tamper == "team":
        first.team.set([Inspector.objects.get(user__username="song")])
    elif tamper == "target":
        undrawn = next(m["key"] for m in made.population if m["key"] not in keys(made))
        DrawTarget.objects.filter(pk=first.pk).update(key=undrawn)
    elif tamper == "secret":
        Draw.objects.filter(pk=made.pk).update(revealed_secret="11" * 32)
    elif tamper == "head":
        Draw.objects.filter(pk=made.pk).update(audit_head="cd" * 32)
    else:
        population = [m | {"stratum": "冰河镇党委"} for m in made.population]
        Draw.objects.filter(pk=made.pk).update(population=population)
    with pytest.raises(CommandError) as failed_check:
        call_command("inspect", "verify", str(made.pk))
    assert str(failed_check.value).startswith(f"复核未通过：{failed}")


def run_script(path) -> int:
    saved = sys.argv
    sys.argv = ["verify_draw.py", str(path)]
    try:
        return runpy.run_path(str(VERIFY_SCRIPT))["main"](str(path))
    finally:
        sys.argv = saved


def test_a_third_party_verifies_the_exported_file_with_the_standalone_script(made, tmp_path, capsys):
    path = tmp_path / "draw.json"
    call_command("inspect", "export", str(made.pk), out=str(path))
    assert run_script(path) == 0
    out = capsys.readouterr().out
    assert "不符" not in out and all(key in out for key in keys(made))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["targets"] = list(reversed(data["targets"]))
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert run_script(path) == 1
    assert "不符  抽中名单和督导组" in capsys.readouterr().out


def test_the_export_of_a_draw_says_everything_the_script_needs(made):
    data = export_data(made)
    assert data["algorithm"] == "dangjian-draw-v1"
    assert hashlib.sha256(data["manifest"].encode()).hexdigest() == data["population_digest"] == made.population_digest
    assert data["secret"] == made.revealed_secret and data["audit_head"] == made.audit_head
    assert [t["key"] for t in data["targets"]] == keys(made)


# ---------------------------------------------------------------------------------------------------- command line


def test_a_draw_from_the_command_line_plans_commits_draws_and_verifies(county, clock, capsys):
    call_command(
        "inspect",
        "plan",
        "--org=T-NORTH",
        "--title=命令行抽取",
        "--population=villages",
        "--strata=town",
        "--quota=1",
        "--draw-at=2026-03-03 09:00",
        "--visit-until=2026-03-31",
        "--commit",
    )
    draw = Draw.objects.get(title="命令行抽取")
    assert draw.status == DrawStatus.COMMITTED
    with pytest.raises(CommandError) as early:
        call_command("inspect", "draw", str(draw.pk))
    assert str(early.value) == "未到公布的抽取时间（2026-03-03 09:00），不能提前抽取。"
    clock.move_to(AFTER_DRAW)
    call_command("inspect", "draw", str(draw.pk), beacon="07 12 19")
    out = capsys.readouterr().out
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and draw.beacon == "07 12 19"
    assert all(t.label in out for t in draw.targets.all())
    call_command("inspect", "verify", str(draw.pk))
    assert "复核通过。" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------- 每月一抽查


def at(day: datetime.date, hour=9):
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


@pytest.fixture
def open_cases(county):
    """Five open cases in 漠北县, one closed, one in 南岭县 (which has no inspector pool)."""
    cases = [
        open_case(org, year=2026, source="manual", actor=None, reasons=["班子软弱"])
        for org in (county.region.village, county.region.birch, county.ice1, county.ice2, county.ice3)
    ]
    Case.objects.filter(pk=cases[0].pk).update(status=CaseStatus.CLOSED)
    south = open_case(county.region.south_village, year=2026, source="manual", actor=None, reasons=["班子软弱"])
    return cases, south


def test_the_monthly_spot_check_commits_at_month_start_and_draws_at_the_stated_time(
    open_cases, county_user, outsider, branch_secretary
):
    with time_machine.travel(at(datetime.date(2026, 11, 2)), tick=False):
        (outcome,) = schedule.run_due(only="spot_check")
    assert outcome.counts == {"已承诺": 1, "通知": 1, "未能设立": 1}
    assert "南岭县委：督导人员库为空，不能承诺抽取。请先在督导人员库中添加督导人员。" in outcome.detail
    draw = Draw.objects.get(period="2026-11", org__code="T-NORTH")
    assert draw.status == DrawStatus.COMMITTED and not draw.targets.exists()
    assert len(draw.eligible()) == 4  # the closed case is not in the population
    assert draw.draw_at == at(datetime.date(2026, 11, 3)) and draw.visit_until == datetime.date(2026, 11, 30)
    (note,) = Notification.objects.filter(user=county_user)
    assert note.title == "每月一抽查：2026-11 已承诺，将于 11月03日 09:00 抽取"
    assert draw.commitment in note.body
    assert not Notification.objects.filter(user=branch_secretary).exists()

    with time_machine.travel(at(datetime.date(2026, 11, 3), hour=10), tick=False):
        draws = schedule.run_due(only="inspection_draws")
    assert [o.counts for o in draws if o.counts] == [{"已抽取": 1}]
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and draw.targets.count() == 1  # 20% of four, rounded up
    assert all(check.ok for check in verify_draw(draw))
    assert draw.targets.get().case.status != CaseStatus.CLOSED

    with time_machine.travel(at(datetime.date(2026, 11, 20)), tick=False):
        assert schedule.run_due(only="spot_check") == []  # once a month
    assert Draw.objects.filter(period="2026-11").count() == 1


def test_the_spot_check_pages_show_the_months_draws_within_scope(open_cases, county_user, outsider, login):
    with time_machine.travel(at(datetime.date(2026, 11, 2)), tick=False):
        schedule.run_due(only="spot_check")
    with time_machine.travel(at(datetime.date(2026, 11, 3), hour=10), tick=False):
        schedule.run_due(only="inspection_draws")
        page = login(county_user).get("/inspections/spot-checks/?period=2026-11")
        old = login(county_user).get("/notifications/spot-checks/?period=2026-11")
    body = page.content.decode()
    draw = Draw.objects.get(period="2026-11")
    assert page.context["periods"] == ["2026-11"]
    assert draw.targets.get().org.name in body and draw.commitment in body
    assert old.status_code == 302 and old["Location"] == "/inspections/spot-checks/?period=2026-11"
    assert "南岭" not in login(outsider).get("/inspections/spot-checks/").content.decode().replace("南岭县委", "")


# ---------------------------------------------------------------------------------------------------- the pages


def test_an_organizer_sets_up_adjusts_commits_draws_and_verifies_on_the_pages(county, clock, county_user, login):
    client = login(county_user)
    response = client.post(
        "/inspections/new/",
        {
            "org_code": "T-NORTH",
            "title": "页面设立的抽取",
            "population_kind": PopulationKind.VILLAGES,
            "stratify_by": StratifyBy.TOWN,
            "quota_default": "1",
            "quota_overrides": "冰河镇党委=2",
            "exclude_months": "3",
            "team_size": "2",
            "draw_at": "2026-03-03T09:00",
            "visit_until": "2026-03-31",
        },
    )
    draw = Draw.objects.get(title="页面设立的抽取")
    assert response.status_code == 302 and draw.status == DrawStatus.DRAFT
    page = client.get(f"/inspections/{draw.pk}/").content.decode()
    assert "确认名单并承诺" in page and "冰河社区党支部" in page
    client.post(f"/inspections/{draw.pk}/exclude/", {"key": "T-ICE3", "reason": "正在换届"})
    client.post(f"/inspections/{draw.pk}/commit/")
    draw.refresh_from_db()
    assert draw.status == DrawStatus.COMMITTED and draw.quotas == {"冰河镇党委": 2, "松岭镇党委": 1}
    page = client.get(f"/inspections/{draw.pk}/").content.decode()
    assert draw.commitment in page and draw.population_digest in page and "不参加抽取：正在换届" in page
    refused = client.post(f"/inspections/{draw.pk}/exclude/", {"key": "T-ICE1", "reason": "再调整"}, follow=True)
    assert "抽取已承诺，总体名单已冻结，不能再修改。" in refused.content.decode()
    early = client.post(f"/inspections/{draw.pk}/draw/", follow=True)
    assert "未到公布的抽取时间（2026-03-03 09:00），不能提前抽取。" in early.content.decode()
    clock.move_to(AFTER_DRAW)
    client = login(county_user)
    client.post(f"/inspections/{draw.pk}/draw/")
    draw.refresh_from_db()
    assert draw.status == DrawStatus.DRAWN and set(keys(draw)) <= {"T-VILLAGE", "T-BIRCH", "T-ICE1", "T-ICE2"}
    assert "复核通过" in client.get(f"/inspections/{draw.pk}/verify/").content.decode()
    exported = json.loads(client.get(f"/inspections/{draw.pk}/export.json").content)
    assert exported["secret"] == draw.revealed_secret


def test_a_bad_set_up_on_the_page_says_what_is_wrong(county, clock, county_user, login):
    response = login(county_user).post(
        "/inspections/new/",
        {
            "org_code": "T-NORTH",
            "title": "过期的抽取",
            "population_kind": PopulationKind.VILLAGES,
            "stratify_by": StratifyBy.NONE,
            "quota_default": "1",
            "exclude_months": "3",
            "team_size": "2",
            "draw_at": "2026-03-01T09:00",
            "visit_until": "2026-03-31",
        },
    )
    assert response.status_code == 400
    assert "公布的抽取时间应晚于现在：抽取须在承诺之后进行。" in response.content.decode()
    assert not Draw.objects.exists()
