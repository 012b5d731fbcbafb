"""Visits, findings and their follow-up: the team records each checklist item (符合 / 不符合 / 不适用, a note, photos),
whom they met and when; nobody else may; each 不符合 becomes a finding the organizers send to the rectification case
and which is fixed when its measure is; checklists are data, versioned per year; the feedback report, the bulletin and
the `inspection_findings` metric are derived from the records."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from openpyxl import load_workbook

from dangjian.assess.metrics import METRICS
from dangjian.cadence.models import Notification
from dangjian.core.models import AuditLog
from dangjian.inspections import checklists, services
from dangjian.inspections.choices import FindingStatus, FollowUp, ItemResult, PopulationKind
from dangjian.inspections.documents import bulletin_data
from dangjian.inspections.models import Checklist, Draw, Finding, Visit, VisitPhoto, fixed_q
from dangjian.problems.models import Problem
from dangjian.problems.services import close_problem, submit_problem
from dangjian.rectify.models import Case, CaseEvent, CaseEventKind, CaseSource, MeasureStatus
from dangjian.rectify.services import complete_measure, open_case
from inspection_setup import (
    AFTER_DRAW,
    T0,
    TZ,
    VISIT_DAY,
    VISIT_UNTIL,
    all_yes,
    committed,
    generated_bulletin,
    inspection_county,
)

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64
HEAD, BEACON = "ab" * 32, "2026030 07 12 19 23 28 31+05"  # the fixed vector's


@pytest.fixture
def county(region):
    return inspection_county(region)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def made(county, clock, monkeypatch):
    """The fixed vector's draw (test_inspection_draws.py): 冰河二村 (team 组织部甲, 组织部乙) and 白桦村 (team 组织部甲,
    冰河督导员), its audit head pinned so every test here visits the same targets."""
    draw = committed(county)
    Draw.objects.filter(pk=draw.pk).update(beacon=BEACON)
    monkeypatch.setattr(services, "locked_head", lambda: (0, HEAD))
    clock.move_to(AFTER_DRAW)
    draw = services.make_draw(Draw.objects.get(pk=draw.pk), actor=None)
    clock.move_to(datetime.datetime.combine(VISIT_DAY, datetime.time(15), tzinfo=TZ))
    return draw


def target_of(draw, key):
    return draw.targets.get(key=key)


def form_data(target, results, **extra):
    data = {"visited_on": VISIT_DAY.isoformat(), "met": "村党支部书记孙白桦", "summary": "阵地整洁，内业基本齐全"}
    for pk, (result, note) in results.items():
        data[f"result_{pk}"], data[f"note_{pk}"] = result, note
    return data | extra


def visit(target, user, no=(1, 3), **extra):
    return services.record_visit(
        target, actor=user, visited_on=VISIT_DAY, met="村党支部书记孙白桦", results=all_yes(target, no=no), **extra
    )


# ---------------------------------------------------------------------------------------------------- recording a visit


def test_a_drawn_inspector_records_each_item_photos_whom_they_met_and_when(made, county, login):
    birch = target_of(made, "T-BIRCH")
    client = login(county.icy)
    page = client.get(f"/inspections/targets/{birch.pk}/visit/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "20项党建内业" in body and "组织活动场所“十有”标准" in body and "党建工作站工作清单" not in body
    results = all_yes(birch, no=(1,))
    first = next(iter(results))
    photo = SimpleUploadedFile("花名册.jpg", JPEG, content_type="image/jpeg")
    response = client.post(
        f"/inspections/targets/{birch.pk}/visit/", form_data(birch, results) | {f"photos_{first}": photo}
    )
    assert response.status_code == 302
    recorded = Visit.objects.get(target=birch)
    assert (recorded.visited_on, recorded.met, recorded.recorded_by) == (VISIT_DAY, "村党支部书记孙白桦", county.icy)
    assert recorded.items.count() == 30
    assert recorded.items.filter(result=ItemResult.NO).get().title == "党员花名册"
    assert VisitPhoto.objects.get().original_name == "花名册.jpg"
    (finding,) = Finding.objects.all()
    assert (finding.org, finding.title, finding.note, finding.state) == (
        county.region.birch,
        "党员花名册",
        "党员花名册不到位",
        FindingStatus.PENDING,
    )
    shown = client.get(f"/inspections/targets/{birch.pk}/").content.decode()
    assert "党员花名册不到位" in shown and "待交办" in shown


def test_a_visit_recorded_by_someone_not_drawn_is_refused_and_audited(made, county, county_user, login):
    birch = target_of(made, "T-BIRCH")
    response = login(county_user).post(f"/inspections/targets/{birch.pk}/visit/", form_data(birch, all_yes(birch)))
    assert response.status_code == 400
    assert "您不是本次抽中的督导组成员，不能录入督导记录。" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        visit(birch, county.song)  # 松岭镇's own inspector, never sent to 白桦村
    assert refused.value.messages == ["您不是本次抽中的督导组成员，不能录入督导记录。"]
    assert not Visit.objects.exists() and not Finding.objects.exists()
    attempts = AuditLog.objects.filter(success=False, object_type="drawtarget").order_by("seq")
    assert list(attempts.values_list("username", "detail")) == [
        ("county_user", "录入督导记录被拒绝：您不是本次抽中的督导组成员，不能录入督导记录。"),
        ("song", "录入督导记录被拒绝：您不是本次抽中的督导组成员，不能录入督导记录。"),
    ]
    assert login(county.song).get(f"/inspections/targets/{birch.pk}/visit/").status_code == 404


def test_an_unanswered_item_or_a_no_without_a_note_is_refused_and_nothing_is_written(made, county):
    birch = target_of(made, "T-BIRCH")
    results = all_yes(birch)
    items = services.applicable_items(birch, 2026)
    results[items[1].pk] = ("", "")
    results[items[2].pk] = (ItemResult.NO, "")
    with pytest.raises(ValidationError) as refused:
        services.record_visit(birch, actor=county.icy, visited_on=VISIT_DAY, met="王书记", results=results)
    assert refused.value.messages == [
        "「20项党建内业」第 2 项「班子成员名册和换届记录」未填写检查结果。",
        "「20项党建内业」第 3 项「年度党建工作计划和总结」判为不符合，请写明发现的问题。",
    ]
    with pytest.raises(ValidationError) as late:
        services.record_visit(
            birch, actor=county.icy, visited_on=VISIT_DAY + datetime.timedelta(days=1), met="", results=all_yes(birch)
        )
    assert late.value.message_dict == {
        "visited_on": ["督导日期不能晚于今天。"],
        "met": ["请填写见面人员（督导组见到了谁）。"],
    }
    bad_photo = SimpleUploadedFile("现场.jpg", b"not a picture")
    with pytest.raises(ValidationError) as photo:
        visit(birch, county.icy, photos={items[0].pk: [bad_photo]})
    assert photo.value.messages == [
        "「现场.jpg」：文件内容不是 JPEG 图片，与扩展名 .jpg 不符（可能只是改了扩展名），请另存为 JPEG 图片后再上传。"
    ]
    assert not Visit.objects.exists() and not Finding.objects.exists() and not VisitPhoto.objects.exists()
    assert AuditLog.objects.filter(success=False, detail__startswith="录入督导记录被拒绝").count() == 3


def test_a_second_visit_of_the_same_target_is_refused(made, county):
    birch = target_of(made, "T-BIRCH")
    visit(birch, county.icy)
    with pytest.raises(ValidationError) as twice:
        visit(birch, county.dept_a)
    assert twice.value.messages == ["该对象的督导记录已录入，不能重复录入。"]


# ---------------------------------------------------------------------------------------------------- follow-up


def test_findings_become_measures_of_the_rectification_case_and_are_fixed_when_done(made, county, county_user, login):
    birch = target_of(made, "T-BIRCH")
    recorded = visit(birch, county.icy, no=(1, 3))
    response = login(county_user).post(
        f"/inspections/visits/{recorded.pk}/follow-up/", {"deadline": "2026-04-30", "route": FollowUp.RECTIFY}
    )
    assert response.status_code == 302
    case = Case.objects.get(org=county.region.birch, year=2026)
    assert case.source == CaseSource.INSPECTION
    measures = list(case.measures.order_by("id"))
    assert [m.problem for m in measures] == [
        "督导发现：党员花名册——党员花名册不到位",
        "督导发现：年度党建工作计划和总结——年度党建工作计划和总结不到位",
    ]
    assert {m.deadline for m in measures} == {datetime.date(2026, 4, 30)}
    findings = list(Finding.objects.order_by("id"))
    assert [(f.state, f.measure_id) for f in findings] == [(FindingStatus.OPEN, m.pk) for m in measures]
    complete_measure(measures[0], actor=None, date=VISIT_DAY)
    assert [f.state for f in Finding.objects.order_by("id")] == [FindingStatus.FIXED, FindingStatus.OPEN]
    listed = login(county_user).get("/inspections/findings/?status=fixed").context["findings"]
    assert [f.title for f in listed] == ["党员花名册"]
    api = login(county_user).get("/api/inspections/findings/?status=open").json()["results"]
    assert [(f["title"], f["state_display"], f["case"]) for f in api] == [("年度党建工作计划和总结", "整改中", case.pk)]
    again = login(county_user).post(
        f"/inspections/visits/{recorded.pk}/follow-up/", {"deadline": "2026-04-30", "route": FollowUp.RECTIFY}
    )
    assert again.status_code == 302
    assert AuditLog.objects.filter(success=False).order_by("seq").values_list("detail", flat=True).last() == (
        "交办督导发现问题被拒绝：该督导记录没有待交办的不符合项。"
    )


def test_a_finding_of_an_organization_with_a_closed_case_reopens_it(made, county):
    ice2 = target_of(made, "T-ICE2")
    case = open_case(county.ice2, year=2026, source=CaseSource.MANUAL, actor=None, reasons=["班子软弱"])
    Case.objects.filter(pk=case.pk).update(status="closed")
    recorded = visit(ice2, county.dept_b, no=(2,))
    services.follow_up_findings(recorded, actor=None, deadline=datetime.date(2026, 5, 31))
    case.refresh_from_db()
    assert case.status == "open" and case.measures.count() == 1
    assert case.events.filter(kind=CaseEventKind.REOPENED).exists()


def test_findings_sent_to_the_problem_list_are_fixed_when_the_problem_is_closed(made, county):
    recorded = visit(target_of(made, "T-BIRCH"), county.icy)
    services.follow_up_findings(recorded, actor=None, deadline=datetime.date(2026, 4, 30), route=FollowUp.PROBLEM)
    findings = list(Finding.objects.filter(visit=recorded).select_related("problem").order_by("pk"))
    assert len(findings) == 2 and not Case.objects.exists()
    problems = [f.problem for f in findings]
    assert [p.source for p in problems] == ["inspection", "inspection"]
    assert [p.org for p in problems] == [county.region.birch, county.region.birch]
    assert all(p.title.startswith("督导发现：") and p.deadline == datetime.date(2026, 4, 30) for p in problems)
    assert [f.get_state_display() for f in findings] == ["整改中", "整改中"]
    first = problems[0]
    submit_problem(first, result="已补齐", actor=None)
    close_problem(Problem.objects.get(pk=first.pk), opinion="核实属实", actor=None)
    states = [
        f.get_state_display() for f in Finding.objects.filter(visit=recorded).select_related("problem").order_by("pk")
    ]
    assert states == ["已整改", "整改中"]
    assert Finding.objects.filter(visit=recorded).filter(fixed_q()).count() == 1


def test_a_deadline_before_the_visit_is_refused(made, county):
    recorded = visit(target_of(made, "T-BIRCH"), county.icy)
    with pytest.raises(ValidationError) as refused:
        services.follow_up_findings(recorded, actor=None, deadline=VISIT_DAY)
    assert refused.value.message_dict == {"deadline": ["整改时限应晚于督导日期。"]}


def test_a_spot_checked_case_hears_of_it_only_when_the_team_has_been(county, clock):
    case = open_case(county.region.birch, year=2026, source=CaseSource.MANUAL, actor=None, reasons=["班子软弱"])
    draw = committed(county, population_kind=PopulationKind.CASES, stratify_by="none", title="整顿对象抽查")
    clock.move_to(AFTER_DRAW)
    draw = services.make_draw(draw, actor=None)
    (target,) = draw.targets.all()
    assert target.case == case
    assert not CaseEvent.objects.filter(case=case, kind=CaseEventKind.SPOT_CHECK).exists()
    clock.move_to(datetime.datetime.combine(VISIT_DAY, datetime.time(15), tzinfo=TZ))
    visit(target, target.team.first().user, no=())
    (event,) = CaseEvent.objects.filter(case=case, kind=CaseEventKind.SPOT_CHECK)
    assert event.note == "整顿对象抽查：督导组 2026-03-05 到现场检查，0 项不符合"


# ---------------------------------------------------------------------------------------------------- checklists


def test_the_shipped_checklists_are_loaded_once_per_year(county):
    lists = {c.code: (c.name, c.items.count(), c.domains) for c in Checklist.objects.filter(year=2026)}
    assert lists == {
        "internal-20": ("20项党建内业", 20, []),
        "station-6": ("党建工作站工作清单", 6, ["station"]),
        "venue-10": ("组织活动场所“十有”标准", 10, ["village", "community"]),
    }
    assert checklists.load_examples(county.north, actor=None, year=2026) == []
    assert len(checklists.load_examples(county.north, actor=None, year=2027)) == 3


def test_a_checklist_is_edited_while_unused_and_copied_to_a_new_year_once_used(made, county, county_user):
    venue = Checklist.objects.get(code="venue-10", year=2026)
    checklists.update_checklist(
        venue, actor=county_user, name=venue.name, domains=venue.domains, items="有场所｜面积达标\n有标识"
    )
    assert list(venue.items.values_list("title", flat=True)) == ["有场所", "有标识"]
    visit(target_of(made, "T-BIRCH"), county.icy)
    with pytest.raises(ValidationError) as used:
        checklists.update_checklist(venue, actor=county_user, name="改名", domains=[], items="一项")
    assert used.value.messages == ["该清单已用于督导记录，不能修改；请复制为新年度版本后修改。"]
    copy = checklists.copy_checklist(venue, actor=county_user, year=2027)
    assert (copy.year, list(copy.items.values_list("title", flat=True))) == (2027, ["有场所", "有标识"])
    checklists.update_checklist(copy, actor=county_user, name="2027版", domains=["village"], items="有场所")
    with pytest.raises(ValidationError) as twice:
        checklists.copy_checklist(venue, actor=county_user, year=2027)
    assert twice.value.message_dict == {"year": ["同一单位同一年度已有该代码的清单。"]}
    assert Visit.objects.get().items.filter(checklist=venue.name).count() == 2  # what was checked stays as it was


def test_a_checklist_without_items_is_refused(county, county_user):
    with pytest.raises(ValidationError) as refused:
        checklists.create_checklist(
            county.north, actor=county_user, year=2026, code="empty", name="空清单", items="  \n"
        )
    assert refused.value.message_dict == {"items": ["清单至少要有一个检查项目。"]}


# ---------------------------------------------------------------------------------------------------- documents, metric


def test_the_feedback_report_lists_what_was_checked_and_found(made, county, county_user, login):
    recorded = visit(target_of(made, "T-BIRCH"), county.icy, no=(1,))
    services.follow_up_findings(recorded, actor=None, deadline=datetime.date(2026, 4, 30))
    response = login(county_user).get(f"/inspections/visits/{recorded.pk}/report.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(b"".join(response.streaming_content))).paragraphs)
    assert "督导检查反馈单" in text
    assert "对照检查清单共检查30项：符合29项，不符合1项，不适用0项。" in text
    assert "1．党员花名册：党员花名册不到位。请于2026年4月30日前整改到位，整改情况录入整改台账。" in text
    assert AuditLog.objects.filter(action="export", detail__startswith="督导检查反馈单").count() == 1


def test_the_bulletin_counts_towns_villages_findings_fixed_and_open(made, county, county_user, login):
    birch, ice2 = target_of(made, "T-BIRCH"), target_of(made, "T-ICE2")
    first = visit(birch, county.icy, no=(1, 3, 5))
    visit(ice2, county.dept_b, no=(1,))
    services.follow_up_findings(first, actor=None, deadline=datetime.date(2026, 4, 30))
    complete_measure(first.findings.order_by("id").first().measure, actor=None, date=VISIT_DAY)
    data = bulletin_data(county.north, 2026, 1, user=county_user)
    assert (data.draws, data.drawn, len(data.visits), data.towns_checked) == (1, 2, 2, 2)
    assert (data.findings, data.fixed, data.open, data.pending) == (4, 1, 3, 1)
    assert data.by_item[0] == ("党员花名册", 2, 1, 1)
    assert data.key_rectification == ["白桦村党支部"]
    assert [(t.name, t.visited, t.findings) for t in data.towns] == [("松岭镇党委", 1, 3), ("冰河镇党委", 1, 1)]
    docx, xlsx = generated_bulletin(login(county_user), {"org": "T-NORTH", "year": 2026, "quarter": 1})
    text = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
    assert "关于2026年第一季度随机督导情况的通报" in text and "检查2个乡镇（街道）的2个对象" in text
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == ["总体情况", "各乡镇", "按检查项目", "督导检查", "重点整改"]
    assert [c.value for c in book["重点整改"]["A"]] == ["督导对象", "白桦村党支部"]


def test_the_inspection_findings_metric_counts_conforming_and_fixed_items_per_organization(made, county):
    recorded = visit(target_of(made, "T-BIRCH"), county.icy, no=(1, 3))
    services.follow_up_findings(recorded, actor=None, deadline=datetime.date(2026, 4, 30))
    complete_measure(recorded.findings.order_by("id").first().measure, actor=None, date=VISIT_DAY)
    people = [
        SimpleNamespace(id=1, org_id=county.region.birch.pk),
        SimpleNamespace(id=2, org_id=county.region.village.pk),
    ]
    metric = METRICS["inspection_findings"]
    assert metric.compute(people, datetime.date(2026, 12, 31), 2026) == {1: Decimal(29) / 30, 2: True}
    assert metric.compute(people, datetime.date(2026, 3, 4), 2026) == {1: True, 2: True}  # before the visit
    assert metric.label == "督导检查符合率"
    assert MeasureStatus.DONE == "done"


def test_a_draw_tells_the_organizers_and_each_inspector_of_their_own_targets_only(county_user, made, county):
    assert list(Notification.objects.filter(user=county_user).values_list("title", flat=True)) == [
        "2026年3月随机督导：已抽取 2 个对象"
    ]
    (task,) = Notification.objects.filter(user=county.icy)
    assert task.title == "督导任务：2026年3月随机督导（1 个对象）" and "白桦村党支部" in task.body
    assert "冰河二村" not in task.body
    assert not Notification.objects.filter(user=county.song).exists()
    assert Draw.objects.get().visit_until == VISIT_UNTIL
