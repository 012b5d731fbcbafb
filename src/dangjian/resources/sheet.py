"""Venues, trainings, funds and projects as sheets: the columns of `dangjian import venues|trainings|funds|projects
FILE`, their templates and the lists' exports (which write the import's columns, so a list kept in Excel today can be
corrected and imported elsewhere).

Rows go through the services (`create_venue`, `record_training`, `record_fund`, `create_project`), so an imported
record obeys exactly the rules of one entered by hand; one bad row and nothing is written (the import core's
transaction), with an error sheet naming each bad cell.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError

from dangjian.core.scope import Action
from dangjian.core.services import OutOfScope
from dangjian.orgs.models import Organization
from dangjian.sheets.columns import BOOL, CHOICE, CODE, DATE, DECIMAL, INT, TEXT, Column
from dangjian.sheets.imports import ImportReport, Row, allowed, cell_message, register_kind
from dangjian.sheets.rosters import Rosters

from . import rules
from .checklists import Checklists
from .choices import FundSource, ProjectCategory, ProjectStatus, VenueKind
from .models import Fund, Project, Training, Venue
from .services import create_project, create_venue, record_fund, record_training, roster

SEPARATORS = re.compile(r"[、，,；;\s]+")
ORG_CODE = Column(
    "组织编码",
    "org_code",
    CODE,
    required=True,
    max_length=40,
    example="DEMO-0001",
    aliases=("党组织编码",),
    note="阵地、培训、经费或项目所属党组织的组织编码。",
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
        note=(
            "达到的项目，用顿号隔开，或填“全部”。按阵地所在县（区）生效的“十有”清单填写（见“十有”清单页）；"
            f"默认清单：{'、'.join(label for _, label in rules.STANDARD_ITEMS)}。"
        ),
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


def _choices(choices) -> tuple[tuple[str, str], ...]:
    return tuple((str(v), str(label)) for v, label in choices)


FUND_COLUMNS = [
    ORG_CODE,
    Column("年度", "year", INT, required=True, example=2026),
    Column(
        "来源",
        "source",
        CHOICE,
        required=True,
        choices=_choices(FundSource.choices),
        example="财政预算",
        note="从下拉列表选择。",
    ),  # fmt: skip
    Column("用途", "purpose", TEXT, required=True, max_length=200, example="村级党组织活动经费"),
    Column(
        "列入预算",
        "in_budget",
        BOOL,
        required=True,
        choices=(("1", "是"), ("0", "否")),
        example="是",
        note="是否列入财政预算，填“是”或“否”。",
    ),  # fmt: skip
    Column("预算金额（元）", "budget", DECIMAL, example=5000, aliases=("预算金额",)),
    Column("已支出（元）", "spent", DECIMAL, example=1200.5, aliases=("已支出",)),
]
PROJECT_COLUMNS = [
    ORG_CODE,
    Column("年度", "year", INT, required=True, example=2026),
    Column("项目名称", "title", TEXT, required=True, max_length=200, example="党建+乡村振兴"),
    Column(
        "类别",
        "category",
        CHOICE,
        required=True,
        choices=_choices(ProjectCategory.choices),
        example="党建+中心工作",
        note="“1+3+X”：中心、重点、日常工作或特色项目（X），从下拉列表选择。",
    ),  # fmt: skip
    Column(
        "状态", "status", CHOICE, choices=_choices(ProjectStatus.choices), example="实施中", note="不填为“实施中”。"
    ),  # fmt: skip
    Column("负责人", "leader_name", TEXT, max_length=50, example="王春生"),
    Column("目标", "goals", TEXT, max_length=5000),
    Column("计划投入（元）", "budget", DECIMAL, example=20000, aliases=("计划投入",)),
    Column("已投入（元）", "spent", DECIMAL, example=8000, aliases=("已投入",)),
    Column(
        "参与党员",
        "members",
        TEXT,
        max_length=10000,
        example="王春生、李秋实",
        note="本组织（含下级）党员的姓名，用顿号隔开；须与党员名册一致。",
    ),
    Column("成效", "results", TEXT, max_length=5000),
]


def fen(amount) -> int:
    """Yuan as the sheet gives them (two decimals at most, checked by the column) in fen."""
    return int(amount * 100) if amount is not None else 0


def venue_export_columns():
    """The import's columns; the "十有" items in the words of the list in force in each venue's county (loaded once
    for the whole export)."""
    checklists = Checklists()

    def met(v) -> list[str]:
        v.checklist = checklists.at(v.org)
        return [v.checklist.label(key) for key in v.checklist.met(v.standard)]

    return [
        ("组织编码", lambda v: v.org.code),
        ("组织名称", lambda v: v.org.name),
        ("类别", lambda v: v.get_kind_display()),
        ("名称", lambda v: v.name),
        ("地址", lambda v: v.address),
        ("面积（平方米）", lambda v: v.area_m2),
        ("建成年份", lambda v: v.built_year),
        ("“十有”达标项目", lambda v: "、".join(met(v))),
        ("“十有”达标数", lambda v: len(met(v))),
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
        self.rosters = Rosters(roster)
        self.seen: dict[tuple, int] = {}

    def is_new(self, row: Row, field: str, what: tuple[str, str], same: str, queryset, key: dict) -> bool:
        """Whether the row's record (`key`: its identifying fields) is neither an earlier row of the file nor already
        registered (`queryset` of its model); else the row fails on `field`, naming the record (`what`: "同一…" and
        "该…" forms) and the fields that are the `same`."""
        first = self.seen.setdefault((queryset.model, *key.values()), row.number)
        if first != row.number:
            self.fail(row, field, f"与第 {first} 行是同一{what[0]}（{same}相同）")
            return False
        if queryset.filter(**key).exists():
            self.fail(row, field, f"该{what[1]}已登记（{same}相同），不能重复导入")
            return False
        return True

    def people(self, row: Row, org: Organization, field: str, what: str) -> list | None:
        """The members named in the row's `field`, each once on `org`'s roster (its subtree); None, with the row's
        errors, when a name is not on it or is there twice."""
        names = (n for n in SEPARATORS.split(row.values.get(field) or "") if n)
        found, unknown, twice = self.rosters.match(org, names)
        if unknown:
            self.fail(row, field, f"{'、'.join(unknown)} 不是{org.name}（含下级）的党员（{what}须从党员名册中选取）")
        if twice:
            self.fail(row, field, f"有同名党员“{'、'.join(twice)}”，无法按姓名区分，请在系统中逐条登记")
        return None if unknown or twice else found

    def write(self, row: Row, org: Organization, call, renames: dict | None = None) -> None:
        """Write the row through its service; its refusals become the row's errors."""
        try:
            call()
        except ValidationError as exc:
            self.fail_all(row, exc, renames)
        except OutOfScope:
            self.fail(row, "org_code", f"组织编码“{org.code}”不在您的管理范围内")
        else:
            self.report.created += 1

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
        self.checklists = Checklists()

    def _one(self, row: Row) -> None:
        values = row.values
        org = self.target(row)
        if org is None:
            return
        name = (values.get("name") or "").strip()
        key = {"org": org, "kind": values["kind"], "name": name}
        if not self.is_new(row, "name", ("处阵地", "阵地"), "组织、类别、名称", Venue.objects, key):
            return
        checklist = self.checklists.at(org)  # the list in force in the venue's county
        text = (values.get("standard") or "").strip()
        if text == "全部":
            standard = list(checklist.keys)
        else:
            by_label = {item.label: item.key for item in checklist.active}
            labels = [part for part in SEPARATORS.split(text) if part]
            unknown = [label for label in labels if label not in by_label]
            if unknown:
                self.fail(row, "standard", f"“十有”清单中没有：{'、'.join(unknown)}（项目须与本县（区）的清单一致）")
                return
            standard = [by_label[label] for label in labels]
        self.write(
            row,
            org,
            lambda: create_venue(
                actor=self.user,
                org=org,
                kind=values["kind"],
                name=name,
                address=values.get("address") or "",
                area_m2=values.get("area_m2"),
                built_year=values.get("built_year"),
                standard=standard,
                checklist=checklist,
            ),
        )


class TrainingImporter(_Importer):
    columns = TRAINING_COLUMNS

    def _one(self, row: Row) -> None:
        values = row.values
        org = self.target(row)
        if org is None:
            return
        key = {"org": org, "date": values["date"], "title": values["title"]}
        if not self.is_new(row, "title", ("期培训", "期培训"), "组织、日期、名称", Training.objects, key):
            return
        found = self.people(row, org, "members", "参训党员")
        if found is None:
            return
        days = values.get("days")
        self.write(
            row,
            org,
            lambda: record_training(
                actor=self.user,
                org=org,
                title=values["title"],
                date=values["date"],
                members=found,
                days=1 if days is None else days,
                hours=values.get("hours") or 0,
                others=values.get("others") or 0,
                content=values.get("content") or "",
            ),
        )


class FundImporter(_Importer):
    """`dangjian import funds`: a line of party-work money per row (the ledger counties keep in Excel)."""

    columns = FUND_COLUMNS
    renames = {"budget_fen": "budget", "spent_fen": "spent"}

    def _one(self, row: Row) -> None:
        values = row.values
        org = self.target(row)
        if org is None:
            return
        purpose = (values.get("purpose") or "").strip()
        key = {"org": org, "year": values["year"], "source": values["source"], "purpose": purpose}
        if not self.is_new(row, "purpose", ("笔经费", "笔经费"), "组织、年度、来源、用途", Fund.objects, key):
            return
        self.write(
            row,
            org,
            lambda: record_fund(
                actor=self.user,
                org=org,
                year=values["year"],
                source=values["source"],
                purpose=purpose,
                in_budget=bool(values.get("in_budget")),
                budget_fen=fen(values.get("budget")),
                spent_fen=fen(values.get("spent")),
            ),
            self.renames,
        )


class ProjectImporter(_Importer):
    """`dangjian import projects`: a 党建+ project per row, its members named as on the organization's roster."""

    columns = PROJECT_COLUMNS
    renames = {"budget_fen": "budget", "spent_fen": "spent"}

    def _one(self, row: Row) -> None:
        values = row.values
        org = self.target(row)
        if org is None:
            return
        title = (values.get("title") or "").strip()
        key = {"org": org, "year": values["year"], "title": title}
        if not self.is_new(row, "title", ("个项目", "项目"), "组织、年度、名称", Project.objects, key):
            return
        found = self.people(row, org, "members", "参与党员")
        if found is None:
            return
        self.write(
            row,
            org,
            lambda: create_project(
                actor=self.user,
                org=org,
                members=found,
                year=values["year"],
                title=title,
                category=values["category"],
                status=values.get("status") or ProjectStatus.ACTIVE,
                leader_name=values.get("leader_name") or "",
                goals=values.get("goals") or "",
                budget_fen=fen(values.get("budget")),
                spent_fen=fen(values.get("spent")),
                results=values.get("results") or "",
            ),
            self.renames,
        )


def register_imports() -> None:
    """Join the import framework, called from the app's ready(): sheets sits below this app and cannot name it."""
    register_kind("venues", title="阵地", columns=VENUE_COLUMNS, importer=VenueImporter)
    register_kind("trainings", title="培训班次", columns=TRAINING_COLUMNS, importer=TrainingImporter)
    register_kind("funds", title="党建经费", columns=FUND_COLUMNS, importer=FundImporter)
    register_kind("projects", title="党建+项目", columns=PROJECT_COLUMNS, importer=ProjectImporter)
