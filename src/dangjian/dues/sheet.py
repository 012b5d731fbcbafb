"""Dues as a sheet: the columns of `dangjian import dues FILE` (bases and payments, one member-month a row), its
template, and the export of a year's member-months.

A row names the member by the organization's code and the name (and the ID number when two members of the branch
share a name). A base (with its category) takes effect from the row's month; an amount paid is that month's
payment. Rows go through the services, so an imported base or payment obeys exactly the rules of one entered on a
page; one bad row and nothing is written (the import core's transaction), and the error sheet names each bad cell.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError

from dangjian.core.crypto import digest
from dangjian.core.scope import Action
from dangjian.core.services import OutOfScope
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.sheets.columns import CHOICE, CODE, DATE, ID_NUMBER, NAME, TEXT, Column
from dangjian.sheets.imports import ImportReport, Row, allowed, cell_message, register_kind

from .choices import DuesCategory
from .rules import AmountError, parse_yuan, yuan
from .services import future_month_problem, record_payment, set_base
from .visibility import HIDDEN, may_see_bases

TITLE = "党费"
MONTH_TEXT = re.compile(r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))\s*$")

COLUMNS = [
    Column(
        "组织编码",
        "org_code",
        CODE,
        required=True,
        max_length=40,
        example="DEMO-0001",
        aliases=("党组织编码", "所在党组织编码"),
        note="党员所在党支部的组织编码。",
    ),
    Column("姓名", "name", NAME, required=True, max_length=50, example="王春生", note="须与党员名册一致。"),
    Column("公民身份号码", "id_number", ID_NUMBER, note="本支部有同名党员时填写，用于区分。"),
    Column("月份", "month", TEXT, required=True, max_length=20, example="2026-03", note="写成 2026-03，不能晚于本月。"),
    Column(
        "缴纳类别",
        "category",
        CHOICE,
        choices=tuple((str(v), str(label)) for v, label in DuesCategory.choices),
        example="在职",
        note="登记或调整基数时填写，从下拉列表选择。",
    ),
    Column(
        "月缴纳基数（元）",
        "base",
        TEXT,
        max_length=30,
        example="4200.00",
        note="在职为税后固定工资收入，离退休为基本离退休费；农民党员填每月缴纳额（0.2–1 元）；自该月起生效。",
    ),
    Column(
        "实缴金额（元）", "amount", TEXT, max_length=30, example="42.00", note="该月实缴党费；不填基数时可只填此列。"
    ),
    Column("缴纳日期", "paid_on", DATE, example=datetime.date(2026, 3, 20), note="不填为今天。"),
    Column("说明", "note", TEXT, max_length=200),
]
COLUMN = {c.field: c for c in COLUMNS}


def parse_month(value) -> datetime.date:
    """A month typed or stored as a date ("2026-03", "2026年3月", "202603", a date cell) as its first day."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    match = MONTH_TEXT.match(str(value or ""))
    if match:
        month = int(match[2] or match[3])
        if 1 <= month <= 12:
            return datetime.date(int(match[1]), month, 1)
    raise ValueError(f"“{value}”不是月份，请写成 2026-03")


def export_columns(user):
    """(header, getter) of the export, over (member, Cell) pairs: a base only where the user may see bases."""

    def base(row) -> str:
        member, cell = row
        if cell.base_fen is None:
            return ""
        return yuan(cell.base_fen) if may_see_bases(user, member.org.path) else HIDDEN

    return [
        ("组织编码", lambda r: r[0].org.code),
        ("组织名称", lambda r: r[0].org.name),
        ("姓名", lambda r: r[0].name),
        ("月份", lambda r: f"{r[1].month:%Y-%m}"),
        ("缴纳类别", lambda r: r[1].category_label),
        ("月缴纳基数（元）", base),
        ("比例或定额", lambda r: r[1].rate_text),
        ("应缴金额（元）", lambda r: yuan(r[1].due_fen)),
        ("实缴金额（元）", lambda r: yuan(r[1].paid_fen)),
        ("缴纳日期", lambda r: r[1].paid_on),
        ("状态", lambda r: r[1].status_label),
    ]


class DuesImporter:
    """Rows of a dues sheet into bases and payments, each through the services with the importing user's scope."""

    def __init__(self, user, report: ImportReport) -> None:
        self.user = user
        self.report = report
        self.orgs: dict[str, Organization | None] = {}
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

    def _org(self, code: str) -> Organization | None:
        if code not in self.orgs:
            self.orgs[code] = Organization.objects.filter(code=code).first()
        return self.orgs[code]

    def _member(self, row: Row, org: Organization) -> Member | None:
        values = row.values
        people = Member.objects.in_subtree(org).filter(name=values["name"]).select_related("org")
        if values.get("id_number"):
            people = people.filter(id_number_digest=digest(values["id_number"]))
        found = list(people[:2])
        if not found:
            self.fail(row, "name", f"{values['name']} 不是{org.name}的党员（须与党员名册一致）")
            return None
        if len(found) > 1:
            self.fail(row, "id_number", f"{org.name}有同名党员“{values['name']}”，请填写公民身份号码以区分")
            return None
        return found[0]

    def _one(self, row: Row) -> None:
        values = row.values
        org = self._org(values["org_code"])
        if org is None or not allowed(self.user, org.path, Action.CHANGE):
            self.fail(row, "org_code", f"组织编码“{values['org_code']}”不存在或不在您的管理范围内")
            return
        try:
            month = parse_month(values["month"])
        except ValueError as exc:
            self.fail(row, "month", str(exc))
            return
        problem = future_month_problem(month)
        if problem:
            self.fail(row, "month", problem.rstrip("。"))
            return
        amounts = {}
        for name, what in (("base", "党费基数"), ("amount", "实缴金额")):
            try:
                amounts[name] = parse_yuan(values.get(name), what)
            except AmountError as exc:
                self.fail(row, name, str(exc))
        if row.errors:
            return
        base, amount, category = amounts["base"], amounts["amount"], values.get("category") or ""
        paying = amount is not None or bool(values.get("paid_on"))
        if base is None and not paying and not category:
            self.fail(row, "amount", "请填写月缴纳基数或实缴金额")
            return
        member = self._member(row, org)
        if member is None:
            return
        writes = [w for w, given in (("基数", base is not None or category), ("缴纳", paying)) if given]
        for what in writes:
            first = self.seen.setdefault((member.pk, month, what), row.number)
            if first != row.number:
                self.fail(row, "month", f"与第 {first} 行重复登记同一党员同一月份的{what}")
                return
        try:
            if base is not None or category:
                if not category:
                    self.fail(row, "category", "登记基数须填写缴纳类别")
                    return
                if not allowed(self.user, org.path, Action.MANAGE):
                    self.fail(row, "base", "登记党费基数须有该组织的管理权限")
                    return
                farmer = category == DuesCategory.FARMER
                set_base(
                    member,
                    actor=self.user,
                    category=category,
                    effective_from=month,
                    base_fen=None if farmer else base,
                    fixed_fen=base if farmer else None,
                    note=values.get("note") or "",
                )
                self.report.updated += 1
            if paying:
                record_payment(
                    member,
                    actor=self.user,
                    month=month,
                    amount_fen=amount,
                    paid_on=values.get("paid_on") or None,
                    note=values.get("note") or "",
                )
                self.report.created += 1
        except ValidationError as exc:
            fields = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            for field, messages in fields.items():
                column = {"fixed": "base", "effective_from": "month"}.get(field, field)
                for message in messages:
                    self.fail(row, column, message.rstrip("。"))
        except OutOfScope:
            self.fail(row, "org_code", f"组织编码“{org.code}”不在您的管理范围内")


def register_import() -> None:
    """Join the import framework (`dangjian import dues FILE`), called from the app's ready()."""
    register_kind("dues", title=TITLE, columns=COLUMNS, importer=DuesImporter)
