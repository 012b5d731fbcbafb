"""Meetings as a sheet: the columns of `dangjian import meetings FILE`, its template and the export (the export
writes the import's columns, so a county can move records between installations or correct and re-import them).

Attendance is written as names from the organization's roster: 出席人员 "王春生、李秋实", 缺席人员 "赵冬梅（因病）".
Each name must be one member of the organization; each absence needs one of the reasons of the form. Rows go through
`services.record_meeting`, so an imported meeting obeys exactly the rules of one recorded by hand; one bad row and
nothing is written (the import core's transaction).
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError

from dangjian.core.scope import Action
from dangjian.core.services import OutOfScope
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization
from dangjian.sheets.columns import CHOICE, CODE, DATE, TEXT, Column
from dangjian.sheets.imports import ImportReport, Row, allowed, cell_message, register_kind
from dangjian.sheets.rosters import Rosters

from .choices import AbsenceReason, MeetingKind
from .models import Meeting
from .services import Presence, record_meeting, roster

TITLE = "组织生活记录"
NAME_SEPARATORS = re.compile(r"[、，,；;\s]+")
ABSENT_ENTRY = re.compile(r"^(?P<name>[^（(]+)[（(](?P<reason>[^）)]*)[）)]$")
REASONS = {label: value for value, label in AbsenceReason.choices} | {"外出": AbsenceReason.AWAY}
REASON_WORDS = "、".join(label for _, label in AbsenceReason.choices)

COLUMNS = [
    Column(
        "组织编码",
        "org_code",
        CODE,
        required=True,
        max_length=40,
        example="DEMO-0001",
        aliases=("党组织编码", "所在党组织编码"),
        note="召开会议的党组织（党支部等）的组织编码。",
    ),
    Column(
        "会议类别",
        "kind",
        CHOICE,
        required=True,
        choices=tuple((str(v), str(label)) for v, label in MeetingKind.choices),
        example="支委会",
        note="从下拉列表选择。",
    ),
    Column("日期", "date", DATE, required=True, example=datetime.date(2026, 3, 15), note="不能晚于今天。"),
    Column("主题", "topic", TEXT, required=True, max_length=200, example="学习贯彻全会精神"),
    Column("党小组", "group_name", TEXT, max_length=200, note="党小组会填写党小组名称，其他会议不填。"),
    Column(
        "出席人员",
        "present",
        TEXT,
        required=True,
        max_length=5000,
        example="王春生、李秋实",
        note="本组织党员的姓名，用顿号隔开；须与党员名册一致。",
    ),
    Column(
        "缺席人员",
        "absent",
        TEXT,
        max_length=5000,
        example="赵冬梅（因病）",
        note=f"姓名后括号内注明缺席原因（{REASON_WORDS}），用顿号隔开。",
    ),
    Column("会议记录", "minutes", TEXT, max_length=20000, note="会议内容摘要。"),
]
COLUMN = {c.field: c for c in COLUMNS}


def export_columns():
    """(header, getter) of the export: the import's columns, written as they are typed."""
    return [
        ("组织编码", lambda m: m.org.code),
        ("组织名称", lambda m: m.org.name),
        ("会议类别", lambda m: m.get_kind_display()),
        ("日期", lambda m: m.date),
        ("主题", lambda m: m.topic),
        ("党小组", lambda m: m.group.name if m.group_id else ""),
        ("出席人员", lambda m: "、".join(a.name for a in m.attendance.all() if a.present)),
        (
            "缺席人员",
            lambda m: "、".join(f"{a.name}（{a.get_reason_display()}）" for a in m.attendance.all() if not a.present),
        ),
        ("会议记录", lambda m: m.minutes),
    ]


class MeetingImporter:
    """Rows of a meetings sheet into meetings, each through `record_meeting` with the importing user's scope."""

    def __init__(self, user, report: ImportReport) -> None:
        self.user = user
        self.report = report
        self.rosters = Rosters(roster)
        self.seen: dict[tuple, int] = {}
        self.org = None  # the IMPORT record is filed without one: the rows may span organizations

    def fail(self, row: Row, field: str, message: str) -> None:
        row.errors.append(message)
        self.report.add_error(row.number, cell_message(row.number, COLUMN.get(field, ""), message))

    def process(self, rows: list[Row]) -> None:
        for row in rows:
            if not row.errors:
                self._one(row)

    def finish(self) -> None:
        pass

    def _names(self, row: Row, field: str, org: Organization, entries: list[str]) -> list | None:
        found, unknown, twice = self.rosters.match(org, entries)
        if unknown:
            self.fail(
                row, field, f"{'、'.join(unknown)} 不是{org.name}的党员（出席、缺席人员须从本组织党员名册中选取）"
            )
        if twice:
            self.fail(row, field, f"本组织有同名党员“{'、'.join(twice)}”，无法按姓名区分，请在系统中逐条登记该次会议")
        return None if unknown or twice else found

    def _one(self, row: Row) -> None:
        values = row.values
        org = Organization.objects.filter(code=values["org_code"]).first()
        if org is None or not allowed(self.user, org.path, Action.CHANGE):
            self.fail(row, "org_code", f"组织编码“{values['org_code']}”不存在或不在您的管理范围内")
            return
        key = (org.pk, values["kind"], values["date"], values["topic"])
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            self.fail(row, "topic", f"与第 {first} 行是同一次会议（组织、类别、日期、主题相同）")
            return
        if Meeting.objects.filter(org=org, kind=values["kind"], date=values["date"], topic=values["topic"]).exists():
            self.fail(row, "topic", "该会议已登记（组织、类别、日期、主题相同），不能重复导入")
            return
        group = None
        if values.get("group_name"):
            group = Organization.objects.filter(parent=org, kind=OrgKind.GROUP, name=values["group_name"]).first()
            if group is None:
                self.fail(row, "group_name", f"{org.name}没有名为“{values['group_name']}”的党小组")
                return
        present = [n for n in NAME_SEPARATORS.split(values.get("present") or "") if n]
        absent: list[tuple[str, str]] = []
        for entry in (e for e in NAME_SEPARATORS.split(values.get("absent") or "") if e):
            match = ABSENT_ENTRY.match(entry)
            reason = REASONS.get(match["reason"].strip()) if match else None
            if reason is None:
                self.fail(row, "absent", f"“{entry}”须写成“姓名（缺席原因）”，原因为{REASON_WORDS}之一")
                return
            absent.append((match["name"].strip(), reason))
        here = self._names(row, "present", org, present)
        away = self._names(row, "absent", org, [name for name, _ in absent])
        if here is None or away is None:
            return
        people = [Presence(m, True) for m in here] + [
            Presence(m, False, reason) for m, (_, reason) in zip(away, absent, strict=True)
        ]
        try:
            record_meeting(
                actor=self.user,
                org=org,
                kind=values["kind"],
                date=values["date"],
                topic=values["topic"],
                people=people,
                group=group,
                minutes=values.get("minutes") or "",
            )
        except ValidationError as exc:
            fields = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            for field, messages in fields.items():
                column = {"attendance": "present", "group": "group_name"}.get(field, field)
                for message in messages:
                    self.fail(row, column, message.rstrip("。"))
        except OutOfScope:
            self.fail(row, "org_code", f"组织编码“{org.code}”不在您的管理范围内")
        else:
            self.report.created += 1


def register_import() -> None:
    """Join the import framework (`dangjian import meetings FILE`), called from the app's ready(): sheets
    sits below this app and cannot name it, so the kind is handed to it here, once."""
    register_kind("meetings", title=TITLE, columns=COLUMNS, importer=MeetingImporter)
