"""Importing party staff from Excel (`dangjian import staff FILE`): one row per person doing party work in a unit,
written through `staffing.services.save_worker` (added, or updated by unit and name), with the unit's staff total
when given. All or nothing, like every import: one bad row and nothing is kept."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from dangjian.core.scope import Action
from dangjian.core.services import OutOfScope
from dangjian.orgs.models import Organization
from dangjian.sheets.columns import BOOL, CODE, DATE, INT, NAME, TEXT, Column
from dangjian.sheets.imports import ImportReport, Row, allowed, cell_message, register_kind

from . import services
from .models import PartyWorker

NOT_FOUND = "组织编码“{code}”不存在或不在您的管理范围内"

COLUMNS = [
    Column(
        "单位党组织编码",
        "org_code",
        CODE,
        required=True,
        max_length=40,
        example="DEMO-AGENCY-TAX",
        aliases=("组织编码", "党组织编码"),
        note="党务工作人员所在单位的党组织编码。",
    ),
    Column("姓名", "name", NAME, required=True, max_length=50, example="陈红"),
    Column("出生日期", "birth_date", DATE, example="1975-06-01", note="用于统计40岁、46岁以上占比。"),
    Column("专职", "full_time", BOOL, example="是", note="是 / 否，不填为是。"),
    Column("职务", "post", TEXT, max_length=50, example="机关党委专职副书记"),
    Column("单位在编人数", "staff_total", INT, example=120, note="填写时更新该单位的在编人数；同一单位填一次即可。"),
]
BY_FIELD = {c.field: c for c in COLUMNS}


class StaffImporter:
    def __init__(self, user, report: ImportReport) -> None:
        self.user = user
        self.report = report
        self.seen: dict[tuple[str, str], int] = {}

    def fail(self, row: Row, field: str, message: str) -> None:
        row.errors.append(message)
        column = BY_FIELD.get(field, "")
        self.report.add_error(row.number, cell_message(row.number, column, message.rstrip("。")))

    def process(self, rows: list[Row]) -> None:
        for row in rows:
            key = (row.values.get("org_code", ""), row.values.get("name", ""))
            first = self.seen.setdefault(key, row.number)
            if first != row.number:
                self.fail(row, "name", f"与第 {first} 行重复（同一单位同一姓名）")
            if not row.errors:
                self._one(row)

    def finish(self) -> None:
        pass

    def _one(self, row: Row) -> None:
        values = row.values
        org = Organization.objects.filter(code=values["org_code"]).first()
        if org is None or not allowed(self.user, org.path, Action.CHANGE):
            self.fail(row, "org_code", NOT_FOUND.format(code=values["org_code"]))
            return
        before = (
            PartyWorker.objects.filter(org=org, name=values["name"]).values("birth_date", "full_time", "post").first()
        )
        full_time = values.get("full_time") is not False
        try:
            _, created = services.save_worker(
                org,
                actor=self.user,
                name=values["name"],
                birth_date=values.get("birth_date"),
                full_time=full_time,
                post=values.get("post", ""),
                staff_total=values.get("staff_total"),
            )
        except ValidationError as exc:
            pairs = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
            for field, messages in pairs:
                for message in messages:
                    self.fail(row, field, message)
            return
        except OutOfScope:
            self.fail(row, "org_code", NOT_FOUND.format(code=values["org_code"]))
            return
        after = {"birth_date": values.get("birth_date"), "full_time": full_time, "post": values.get("post", "")}
        if created:
            self.report.created += 1
        elif before != after:
            self.report.updated += 1
        else:
            self.report.unchanged += 1


def register() -> None:
    """Make the party staff list importable (`dangjian import staff FILE`); called from StaffingConfig.ready()."""
    register_kind("staff", title="党务工作人员", columns=COLUMNS, importer=StaffImporter)
