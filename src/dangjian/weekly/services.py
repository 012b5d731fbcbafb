"""The weekly cycle's writes [003]: the town publishes (Monday, down), each station relays adding its own items
(Monday, down), each village reports item by item (Friday, up), each station forwards its report assembled from its
villages' reports plus its own items (Friday, up). Nothing is typed twice: a relayed item is the town's item, the
station's report counts its villages' answers.

Each function is atomic, validates with Chinese messages, checks the actor's scope and writes the audit record in
the same transaction. Who may:
- publish a town's arrangement: CHANGE on the town;
- relay and forward for a station: CHANGE on the station (its town, or every village it covers: its own accounts);
- report for a village: CHANGE on the village (its secretary, its station's accounts, the town above).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record
from dangjian.core.evidence import PHOTO_TYPES, UploadRule
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import OutOfScope, ensure_in_scope
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization, Workstation

from . import rollups, weeks
from .choices import Level, LineStatus
from .models import Arrangement, Item, LinePhoto, ReportLine, StationReport, StationReportLine, VillageReport

PHOTOS = UploadRule(what="照片", allowed=PHOTO_TYPES, accepted="图片", field="photos", noun="照片")
MAX_ITEMS = 30
TOWN_KINDS = (OrgKind.TOWN_COMMITTEE, OrgKind.STREET_COMMITTEE)


def _at(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def ensure_station(actor, station: Workstation, action: str = Action.CHANGE) -> None:
    """Raise OutOfScope unless `actor` may act for `station` (None is the system itself)."""
    if actor is not None and not Workstation.objects.restrict(actor, action).filter(pk=station.pk).exists():
        raise OutOfScope("不在您的数据范围内。")


# ---------------------------------------------------------------------------------------------------- the calendar


def not_open_message(week: datetime.date) -> str:
    return f"{weeks.label(week)}尚未开始，不能报送完成情况。"


def closed_message(week: datetime.date) -> str:
    closes = weeks.closes_on(week)
    return f"{weeks.label(week)}的完成情况已于 {closes.month}月{closes.day}日截止报送，不能再报送。"


def check_report_window(week: datetime.date, today: datetime.date | None = None) -> None:
    """Reports of `week` are taken from its Monday to its close (weeks.closes_on)."""
    today = today or timezone.localdate()
    if today < week:
        raise ValidationError(not_open_message(week))
    if today > weeks.closes_on(week):
        raise ValidationError(closed_message(week))


def _check_week_to_publish(week: datetime.date) -> datetime.date:
    week = weeks.monday(week)
    if week + 6 * weeks.ONE_DAY < timezone.localdate():
        raise ValidationError({"week": f"{weeks.label(week)}已经过去，不能再下发安排。"})
    return week


# ---------------------------------------------------------------------------------------------------- items


def _clean_items(items, week: datetime.date, *, allow_station: bool) -> list[dict]:
    """Items as given by a form or a caller: dicts of title, target, due (a date), by_station. Blank lines (no
    title, no target) are left out; the rest must be whole."""
    clean = []
    problems = []
    for number, raw in enumerate(items, start=1):
        title = (raw.get("title") or "").strip()
        target = (raw.get("target") or "").strip()
        due = raw.get("due")
        if not title and not target and not due:
            continue
        if not title:
            problems.append(f"第 {number} 项：请填写工作事项。")
            continue
        if len(title) > 200 or len(target) > 500:
            problems.append(f"第 {number} 项：工作事项最多 200 个字，目标要求最多 500 个字。")
            continue
        if not isinstance(due, datetime.date):
            problems.append(f"第 {number} 项“{title}”：请填写完成时限。")
            continue
        if due < week:
            problems.append(f"第 {number} 项“{title}”：完成时限不能早于本周一（{week:%Y-%m-%d}）。")
            continue
        clean.append({"title": title, "target": target, "due": due, "by_station": bool(raw.get("by_station"))})
    if problems:
        raise ValidationError({"items": problems})
    if len(clean) > MAX_ITEMS:
        raise ValidationError({"items": f"一周安排最多 {MAX_ITEMS} 项。"})
    if not allow_station and any(item["by_station"] for item in clean):
        raise ValidationError({"items": "镇党委的安排事项由各工作站转发到村（社区），不能标为“由工作站自行完成”。"})
    return clean


def _items_record(arrangement: Arrangement) -> list[dict]:
    return [
        {"seq": i.seq, "title": i.title, "target": i.target, "due": str(i.due), "by_station": i.by_station}
        for i in arrangement.items.all()
    ]


# ---------------------------------------------------------------------------------------------------- Monday, down


@transaction.atomic
def publish_town_arrangement(town: Organization, week: datetime.date, items, *, actor, note: str = "") -> Arrangement:
    """镇→站 安排表: the town publishes the week's items to its working stations."""
    ensure_in_scope(actor, town.path, Action.CHANGE)
    if town.kind not in TOWN_KINDS:
        raise ValidationError(f"“{town.name}”不是乡镇党委或街道党工委，不能下发周工作安排。")
    week = _check_week_to_publish(week)
    existing = Arrangement.objects.filter(town=town, level=Level.TOWN, week=week).first()
    if existing is not None:
        raise ValidationError(f"{weeks.label(week)}的安排已于 {_at(existing.published_at)} 发布，不能重复发布。")
    clean = _clean_items(items, week, allow_station=False)
    if not clean:
        raise ValidationError({"items": "请至少填写一项工作安排。"})
    arrangement = Arrangement.objects.create(
        level=Level.TOWN,
        town=town,
        week=week,
        note=(note or "").strip()[:1000],
        published_at=timezone.now(),
        report_due=weeks.report_deadline(week),
        published_by=_user(actor),
    )
    Item.objects.bulk_create([Item(arrangement=arrangement, seq=n, **item) for n, item in enumerate(clean, 1)])
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=arrangement,
        org=town,
        after={"week": str(week), "items": _items_record(arrangement)},
        detail=f"发布{weeks.short_label(week)}镇→站安排表",
    )
    return arrangement


@transaction.atomic
def relay_arrangement(station: Workstation, week: datetime.date, own_items=(), *, actor, note: str = "") -> Arrangement:
    """站→村 安排表: the station relays its town's arrangement of the week (when the town published one) to its
    villages, adding items of its own (`by_station` ones it does itself). Each covered village then owes a report."""
    ensure_station(actor, station)
    if station.retired_on:
        raise ValidationError("该工作站已撤销。")
    week = _check_week_to_publish(week)
    existing = Arrangement.objects.filter(station=station, week=week).first()
    if existing is not None:
        raise ValidationError(f"本站{weeks.label(week)}的安排已于 {_at(existing.published_at)} 下发，不能重复下发。")
    source = Arrangement.objects.filter(town_id=station.town_id, level=Level.TOWN, week=week).first()
    own = _clean_items(own_items, week, allow_station=True)
    relayed = list(source.items.all()) if source else []
    if not relayed and not own:
        raise ValidationError({"items": "镇党委本周尚未发布安排，请至少填写一项本站的安排。"})
    villages = list(station.villages.order_by("path"))
    if not villages:
        raise ValidationError("本站尚未联系任何村（社区），无法下发安排。")
    arrangement = Arrangement.objects.create(
        level=Level.STATION,
        town_id=station.town_id,
        station=station,
        week=week,
        source=source,
        note=(note or "").strip()[:1000],
        published_at=timezone.now(),
        report_due=weeks.report_deadline(week),
        published_by=_user(actor),
    )
    rows = [
        Item(arrangement=arrangement, seq=n, title=i.title, target=i.target, due=i.due, source=i)
        for n, i in enumerate(relayed, 1)
    ]
    rows += [Item(arrangement=arrangement, seq=len(relayed) + n, **item) for n, item in enumerate(own, 1)]
    Item.objects.bulk_create(rows)
    reports = VillageReport.objects.bulk_create([VillageReport(arrangement=arrangement, village=v) for v in villages])
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=arrangement,
        org=station.town,
        after={"week": str(week), "items": _items_record(arrangement), "villages": [v.code for v in villages]},
        detail=f"{station.name}下发{weeks.short_label(week)}站→村安排表",
    )
    rollups.reports_made(reports)  # each covered village owes the week's report (weekly/rollups.py)
    return arrangement


# ---------------------------------------------------------------------------------------------------- Friday, up


@dataclass
class Answer:
    """A village's answer on one item."""

    status: str
    note: str = ""
    photos: list = field(default_factory=list)


def village_items(arrangement: Arrangement) -> list[Item]:
    """The items a village reports on: all but those the station does itself."""
    return [i for i in arrangement.items.all() if not i.by_station]


@transaction.atomic
def submit_village_report(
    arrangement: Arrangement, village: Organization, answers: dict[int, Answer], *, actor, note: str = ""
) -> VillageReport:
    """村→站 完成情况表: one answer per item of the station's arrangement, sent once."""
    ensure_in_scope(actor, village.path, Action.CHANGE)
    if arrangement.level != Level.STATION:
        raise ValidationError("村（社区）只报送工作站下发的安排的完成情况。")
    station = arrangement.station
    if not station.villages.filter(pk=village.pk).exists() or station.retired_on:
        raise ValidationError(f"“{village.name}”不在{station.name}的联系范围内，不能报送该站安排的完成情况。")
    check_report_window(arrangement.week)
    report, made = VillageReport.objects.select_for_update().get_or_create(arrangement=arrangement, village=village)
    report.arrangement, report.village = arrangement, village
    counted_before = Counter() if made else rollups.keys_of(report)
    if report.submitted_at:
        raise ValidationError(
            f"{village.name}{weeks.short_label(arrangement.week)}的完成情况已于 "
            f"{_at(report.submitted_at)} 报送，不能重复报送。"
        )
    items = village_items(arrangement)
    known = {i.pk for i in items}
    if set(answers) - known:
        raise ValidationError("所报事项不属于本周安排。")
    missing = [i.title for i in items if i.pk not in answers or answers[i.pk].status not in LineStatus.values]
    if missing:
        raise ValidationError({"lines": [f"请填写每一项的完成情况：“{title}”尚未填写。" for title in missing]})
    PHOTOS.check([photo for answer in answers.values() for photo in answer.photos])
    lines = ReportLine.objects.bulk_create(
        [
            ReportLine(
                report=report, item=i, status=answers[i.pk].status, note=(answers[i.pk].note or "").strip()[:500]
            )
            for i in items
        ]
    )
    for line in lines:
        LinePhoto.save_uploads(answers[line.item_id].photos, actor=actor, line=line)
    report.submitted_at = timezone.now()
    report.submitted_by = _user(actor)
    report.note = (note or "").strip()[:1000]
    report.save(update_fields=["submitted_at", "submitted_by", "note"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=report,
        org=village,
        after={"week": str(arrangement.week), "lines": {i.seq: answers[i.pk].status for i in items}},
        detail=f"{village.name}报送{weeks.short_label(arrangement.week)}完成情况",
    )
    rollups.report_changed(report, counted_before)
    return report


@dataclass
class RollUp:
    """The villages' answers on one item, and the station's status derived from them."""

    item: Item
    status: str
    done: int = 0
    partly: int = 0
    not_done: int = 0
    missing: int = 0
    answers: list = field(default_factory=list)  # (village, ReportLine or None)


def derived_status(done: int, partly: int, expected: int) -> str:
    """完成 when every village the arrangement went to reported it done; 部分完成 when at least one did it wholly
    or in part; 未完成 otherwise (a village that did not report has not done it)."""
    if expected and done == expected:
        return LineStatus.DONE
    if done or partly:
        return LineStatus.PARTLY
    return LineStatus.NOT_DONE


def roll_up(arrangement: Arrangement) -> list[RollUp]:
    """Each village item of a station's arrangement with its villages' answers, from the sent village reports."""
    reports = list(
        VillageReport.objects.filter(arrangement=arrangement)
        .select_related("village")
        .prefetch_related("lines__photos")
        .order_by("village__path")
    )
    out = []
    for item in village_items(arrangement):
        row = RollUp(item=item, status=LineStatus.NOT_DONE)
        for report in reports:
            line = (
                next((ln for ln in report.lines.all() if ln.item_id == item.pk), None) if report.submitted_at else None
            )
            row.answers.append((report.village, line))
            if line is None:
                row.missing += 1
            elif line.status == LineStatus.DONE:
                row.done += 1
            elif line.status == LineStatus.PARTLY:
                row.partly += 1
            else:
                row.not_done += 1
        row.status = derived_status(row.done, row.partly, len(reports))
        out.append(row)
    return out


@transaction.atomic
def forward_station_report(
    arrangement: Arrangement, *, actor, own: dict[int, Answer] | None = None, note: str = ""
) -> StationReport:
    """站→镇 完成情况表: the villages' answers as they stand, counted per item, plus the station's answers on the items
    it does itself; frozen as sent. Villages that have not reported count as not done and are named on the board."""
    station = arrangement.station
    if arrangement.level != Level.STATION:
        raise ValidationError("只有工作站的安排才报送站→镇完成情况表。")
    ensure_station(actor, station)
    check_report_window(arrangement.week)
    arrangement = Arrangement.objects.select_for_update().get(pk=arrangement.pk)
    if StationReport.objects.filter(arrangement=arrangement).exists():
        raise ValidationError(f"本站{weeks.short_label(arrangement.week)}的完成情况已报送镇党委，不能重复报送。")
    own = own or {}
    station_items = [i for i in arrangement.items.all() if i.by_station]
    missing = [i.title for i in station_items if i.pk not in own or own[i.pk].status not in LineStatus.values]
    if missing:
        raise ValidationError({"lines": [f"请填写本站事项的完成情况：“{title}”尚未填写。" for title in missing]})
    report = StationReport.objects.create(
        arrangement=arrangement,
        note=(note or "").strip()[:1000],
        submitted_at=timezone.now(),
        submitted_by=_user(actor),
    )
    lines = [
        StationReportLine(
            report=report,
            item=r.item,
            status=r.status,
            done=r.done,
            partly=r.partly,
            not_done=r.not_done,
            missing=r.missing,
        )
        for r in roll_up(arrangement)
    ]
    lines += [
        StationReportLine(report=report, item=i, status=own[i.pk].status, note=(own[i.pk].note or "").strip()[:500])
        for i in station_items
    ]
    StationReportLine.objects.bulk_create(lines)
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=report,
        org=station.town,
        after={"week": str(arrangement.week), "lines": {line.item.seq: line.status for line in lines}},
        detail=f"{station.name}报送{weeks.short_label(arrangement.week)}站→镇完成情况表",
    )
    return report
