"""Venues and trainings as sheets: the columns of `dangjian import venues FILE` and `dangjian import trainings FILE`,
their templates and the lists' exports (which write the import's columns, so a list kept in Excel today can be
corrected and imported elsewhere).

Rows go through the services (`create_venue`, `record_training`), so an imported record obeys exactly the rules of
one entered by hand; one bad row and nothing is written (the import core's transaction), with an error sheet naming
each bad cell.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict

from django.core.exceptions import ValidationError

from dangjian.core.scope import Action
from dangjian.core.services import OutOfScope
from dangjian.orgs.models import Organization
from dangjian.sheets.columns import CHOICE, CODE, DATE, INT, TEXT, Column
from dangjian.sheets.imports import ImportReport, Row, allowed, cell_message, register_kind

from . import rules
from .choices import VenueKind
from .models import Training, Venue
from .services import create_venue, record_training, roster

SEPARATORS = re.compile(r"[、，,；;\s]+")
STANDARD_BY_LABEL = {label: key for key, label in rules.STANDARD_ITEMS}
ORG_CODE = Column(
    "组织编码",
    "org_code",
    CODE,
    required=True,
    max_length=40,
    example="DEMO-0001",
    aliases=("党组织编码",),
    note="阵地或培训所属党组织的组织编码。",
)

VENUE_COLUMNS = [
    ORG_CODE,
    Column(
        "类别",
        "kind",
        CHOICE,
        required=True,
        choices=tuple((str(v), str(label)) for v, label in VenueKind.choices),
        example="党群服务中心",
        note="从下拉列表选择。",
    ),
    Column("名称", "name", TEXT, required=True, max_length=200, example="青松村党群服务中心"),
    Column("地址", "address", TEXT, max_length=200, example="青松村村委会"),
    Column("面积（平方米）", "area_m2", INT, example=120),
    Column("建成年份", "built_year", INT, example=2018),
    Column(
        "“十有”达标项目",
        "standard",
        TEXT,
        max_length=1000,
        example="有醒目标识、有党旗和入党誓词",
        aliases=("十有达标项目", "十有"),
        note=f"达到的项目，用顿号隔开，或填“全部”。项目：{'、'.join(STANDARD_BY_LABEL)}。",
    ),
]
TRAINING_COLUMNS = [
    ORG_CODE,
    Column("培训名称", "title", TEXT, required=True, max_length=200, example="村党组织书记专题培训班"),
    Column("开班日期", "date", DATE, required=True, example=datetime.date(2026, 3, 15), note="不能晚于今天。"),
    Column("天数", "days", INT, example=3),
    Column("学时", "hours", INT, example=24),
    Column(
        "参训党员",
        "members",
        TEXT,
        max_length=10000,
        example="王春生、李秋实",
        note="本组织（含下级）党员的姓名，用顿号隔开；须与党员名册一致。",
    ),
    Column("其他参训人员（人次）", "others", INT, example=0, aliases=("其他参训人员",), note="名册外的参训人次。"),
    Column("培训内容", "content", TEXT, max_length=5000),
]


def venue_export_columns():
    return [
        ("组织编码", lambda v: v.org.code),
        ("组织名称", lambda v: v.org.name),
        ("类别", lambda v: v.get_kind_display()),
        ("名称", lambda v: v.name),
        ("地址", lambda v: v.address),
        ("面积（平方米）", lambda v: v.area_m2),
        ("建成年份", lambda v: v.built_year),
        ("“十有”达标项目", lambda v: "、".join(rules.STANDARD_LABEL[k] for k in rules.standard_met(v.standard))),
        ("“十有”达标数", lambda v: v.standard_count),
    ]


def training_export_columns():
    return [
        ("组织编码", lambda t: t.org.code),
        ("组织名称", lambda t: t.org.name),
        ("培训名称", lambda t: t.title),
        ("开班日期", lambda t: t.date),
        ("天数", lambda t: t.days),
        ("学时", lambda t: t.hours),
        ("参训党员", lambda t: "、".join(sorted(m.name for m in t.members.all()))),
        ("其他参训人员（人次）", lambda t: t.others),
        ("培训内容", lambda t: t.content),
    ]


class _Importer:
    columns: list[Column] = []

    def __init__(self, user, report: ImportReport) -> None:
        self.user = user
        self.report = report
        self.column = {c.field: c for c in self.columns}
        self.org = None  # the IMPORT record is filed without one: the rows may span organizations

    def fail(self, row: Row, field: str, message: str) -> None:
        row.errors.append(message)
        self.report.add_error(row.number, cell_message(row.number, self.column.get(field, ""), message))

    def fail_all(self, row: Row, exc: ValidationError, renames: dict | None = None) -> None:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        for field, messages in fields.items():
            for message in messages:
                self.fail(row, (renames or {}).get(field, field), message.rstrip("。"))

    def process(self, rows: list[Row]) -> None:
        for row in rows:
            if not row.errors:
                self._one(row)

    def finish(self) -> None:
        pass

    def target(self, row: Row) -> Organization | None:
        code = row.values["org_code"]
        org = Organization.objects.filter(code=code).first()
        if org is None or not allowed(self.user, org.path, Action.CHANGE):
            self.fail(row, "org_code", f"组织编码“{code}”不存在或不在您的管理范围内")
            return None
        return org

    def _one(self, row: Row) -> None:
        raise NotImplementedError


class VenueImporter(_Importer):
    columns = VENUE_COLUMNS

    def __init__(self, user, report):
        super().__init__(user, report)
        self.seen: dict[tuple, int] = {}

    def _one(self, row: Row) -> None:
        values = row.values
        org = self.target(row)
        if org is None:
            return
        name = (values.get("name") or "").strip()
        key = (org.pk, values["kind"], name)
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            self.fail(row, "name", f"与第 {first} 行是同一处阵地（组织、类别、名称相同）")
            return
        if Venue.objects.filter(org=org, kind=values["kind"], name=name).exists():
            self.fail(row, "name", "该阵地已登记（组织、类别、名称相同），不能重复导入")
            return
        text = (values.get("standard") or "").strip()
        if text == "全部":
            standard = list(rules.STANDARD_KEYS)
        else:
            labels = [part for part in SEPARATORS.split(text) if part]
            unknown = [label for label in labels if label not in STANDARD_BY_LABEL]
            if unknown:
                self.fail(row, "standard", f"“十有”清单中没有：{'、'.join(unknown)}（项目须与模板说明一致）")
                return
            standard = [STANDARD_BY_LABEL[label] for label in labels]
        try:
            create_venue(
                actor=self.user,
                org=org,
                kind=values["kind"],
                name=name,
                address=values.get("address") or "",
                area_m2=values.get("area_m2"),
                built_year=values.get("built_year"),
                standard=standard,
            )
        except ValidationError as exc:
            self.fail_all(row, exc)
        except OutOfScope:
            self.fail(row, "org_code", f"组织编码“{org.code}”不在您的管理范围内")
        else:
            self.report.created += 1


class TrainingImporter(_Importer):
    columns = TRAINING_COLUMNS

    def __init__(self, user, report):
        super().__init__(user, report)
        self.rosters: dict[int, dict[str, list]] = {}
        self.seen: dict[tuple, int] = {}

    def _roster(self, org: Organization) -> dict[str, list]:
        if org.pk not in self.rosters:
            by_name = defaultdict(list)
            for member in roster(org).select_related("org"):
                by_name[member.name].append(member)
            self.rosters[org.pk] = by_name
        return self.rosters[org.pk]

    def _one(self, row: Row) -> None:
        values = row.values
        org = self.target(row)
        if org is None:
            return
        key = (org.pk, values["date"], values["title"])
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            self.fail(row, "title", f"与第 {first} 行是同一期培训（组织、日期、名称相同）")
            return
        if Training.objects.filter(org=org, date=values["date"], title=values["title"]).exists():
            self.fail(row, "title", "该期培训已登记（组织、日期、名称相同），不能重复导入")
            return
        people = self._roster(org)
        found, unknown, twice = [], [], []
        for name in (n for n in SEPARATORS.split(values.get("members") or "") if n):
            matches = people.get(name, [])
            if not matches:
                unknown.append(name)
            elif len(matches) > 1:
                twice.append(name)
            else:
                found.append(matches[0])
        if unknown:
            self.fail(
                row, "members", f"{'、'.join(unknown)} 不是{org.name}（含下级）的党员（参训党员须从党员名册中选取）"
            )
        if twice:
            self.fail(row, "members", f"有同名党员“{'、'.join(twice)}”，无法按姓名区分，请在系统中登记该期培训")
        if unknown or twice:
            return
        days = values.get("days")
        try:
            record_training(
                actor=self.user,
                org=org,
                title=values["title"],
                date=values["date"],
                members=found,
                days=1 if days is None else days,
                hours=values.get("hours") or 0,
                others=values.get("others") or 0,
                content=values.get("content") or "",
            )
        except ValidationError as exc:
            self.fail_all(row, exc)
        except OutOfScope:
            self.fail(row, "org_code", f"组织编码“{org.code}”不在您的管理范围内")
        else:
            self.report.created += 1


def register_imports() -> None:
    """Join the import framework, called from the app's ready(): sheets sits below this app and cannot name it."""
    register_kind("venues", title="阵地", columns=VENUE_COLUMNS, importer=VenueImporter)
    register_kind("trainings", title="培训班次", columns=TRAINING_COLUMNS, importer=TrainingImporter)
