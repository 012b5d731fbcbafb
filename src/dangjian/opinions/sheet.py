"""Importing residents' opinions from Excel or CSV (`dangjian import opinions FILE`): the opinions a workstation
collected on paper. All or nothing, like every import: one bad row and nothing is written; each row goes through
`services.record_opinion`, so the checks, the category suggestion, the grouping of repeats and the audit are those
of the entry form."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError

from dangjian.core.scope import Action
from dangjian.core.services import OutOfScope
from dangjian.orgs.models import Organization
from dangjian.sheets.columns import CHOICE, CODE, DATE, PHONE, TEXT, Column
from dangjian.sheets.imports import ImportReport, Row, allowed, cell_message, register_kind

from . import services
from .choices import Category, Channel

KIND, TITLE = "opinions", "群众意见"
COLUMNS = [
    Column(
        "村（社区）组织编码",
        "org_code",
        CODE,
        required=True,
        max_length=40,
        example="DEMO-0001",
        aliases=("组织编码", "村（社区）编码"),
        note="意见所涉村（社区）党组织的组织编码。",
    ),
    Column(
        "意见内容",
        "text",
        TEXT,
        required=True,
        max_length=services.TEXT_MAX,
        example="村口路灯坏了三个月，晚上出行不方便，希望尽快修好。",
        aliases=("意见建议", "内容"),
    ),
    Column(
        "联系方式",
        "contact",
        PHONE,
        sensitive=True,
        example="13800001111",
        aliases=("联系电话", "电话"),
        note="选填；11 位手机号或固定电话。加密保存，页面和导出只显示部分号码。",
    ),
    Column("日期", "date", DATE, required=True, example=datetime.date(2026, 3, 2), aliases=("收集日期",)),
    Column(
        "类别",
        "category",
        CHOICE,
        choices=tuple((str(v), str(label)) for v, label in Category.choices),
        example="道路水电设施",
        note="选填；不填的按内容自动建议类别，待工作人员确认。",
    ),
]
NOT_FOUND = "组织编码“{code}”不存在或不在您的管理范围内"


class OpinionImporter:
    def __init__(self, user, report: ImportReport) -> None:
        self.user = user
        self.report = report
        self.columns = {c.field: c for c in COLUMNS}
        self.orgs: dict[str, Organization | None] = {}

    def fail(self, row: Row, field: str, message: str) -> None:
        self.report.add_error(row.number, cell_message(row.number, self.columns.get(field, ""), message))

    def _org(self, code: str) -> Organization | None:
        if code not in self.orgs:
            org = Organization.objects.filter(code=code).first()
            self.orgs[code] = org if org is not None and allowed(self.user, org.path, Action.CHANGE) else None
        return self.orgs[code]

    def process(self, rows: list[Row]) -> None:
        for row in rows:
            if row.errors:
                continue
            values = row.values
            org = self._org(values["org_code"])
            if org is None:
                self.fail(row, "org_code", NOT_FOUND.format(code=values["org_code"]))
                continue
            try:
                services.record_opinion(
                    org,
                    text=values["text"],
                    contact=values.get("contact") or "",
                    date=values["date"],
                    category=values.get("category") or "",
                    channel=Channel.IMPORT,
                    actor=self.user,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    self.fail(row, "", message.rstrip("。"))
            except OutOfScope:
                self.fail(row, "org_code", NOT_FOUND.format(code=values["org_code"]))
            else:
                self.report.created += 1

    def finish(self) -> None:
        pass


def register_import() -> None:
    """Join the import framework (`dangjian import opinions FILE`), called from the app's ready(): sheets
    sits below this app and cannot name it, so the kind is handed to it here, once."""
    register_kind(KIND, title=TITLE, columns=COLUMNS, importer=OpinionImporter)
