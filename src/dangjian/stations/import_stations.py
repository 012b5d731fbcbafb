"""Importing workstations from Excel (`dangjian import stations FILE`): upsert by station code, row by row through
`stations.services`, so the coverage rules, the scope checks, the grants that follow the coverage and the audit
records are exactly those of the station pages. All or nothing, like every import: one bad row and nothing is kept.

Rows are applied in file order inside the import's transaction: a village freed by one row (a station covering
fewer, or retired) may be covered by a row below it.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError

from dangjian.core.scope import Action
from dangjian.core.services import OutOfScope
from dangjian.orgs.models import Organization, Workstation
from dangjian.sheets.columns import BOOL, CODE, DATE, NAME, TEXT, Column
from dangjian.sheets.imports import ImportReport, Row, allowed, cell_message, register_kind

from . import services
from .choices import StaffPost

SEPARATORS = re.compile(r"[\s,，、;；/]+")
NOT_FOUND = "组织编码“{code}”不存在或不在您的管理范围内"
EXAMPLE_VILLAGES = "DEMO-0001、DEMO-0002、DEMO-0003"

COLUMNS = [
    Column(
        "工作站编码",
        "code",
        CODE,
        required=True,
        max_length=40,
        example="WS-SL-01",
        note="唯一；已存在的编码更新该站。",
    ),
    Column("工作站名称", "name", TEXT, required=True, max_length=100, example="松岭镇第一党建工作站"),
    Column(
        "所属乡镇党委编码",
        "town_code",
        CODE,
        required=True,
        max_length=40,
        example="DEMO-TOWN",
        aliases=("乡镇党委编码", "所属乡镇编码"),
        note="工作站所在乡镇党委（街道党工委）的组织编码。",
    ),
    Column(
        "联系村（社区）组织编码",
        "village_codes",
        TEXT,
        required=True,
        max_length=2000,
        example=EXAMPLE_VILLAGES,
        aliases=("覆盖村（社区）编码", "联系村编码"),
        note="本乡镇村（社区）党组织的编码，用顿号、逗号或空格分隔；按规定每站 3—5 个。",
    ),
    Column("站长", "chief", NAME, max_length=50, example="周明", note="不填则不登记站长。"),
    Column("站长专职", "chief_full_time", BOOL, example="是", note="是 / 否，不填为是。"),
    Column(
        "专职工作人员",
        "fulltime_names",
        TEXT,
        max_length=500,
        example="李雪",
        note="姓名，多人用顿号分隔；站长不必重复填写。",
    ),
    Column("兼职工作人员", "parttime_names", TEXT, max_length=500, example="王磊、赵晴", note="姓名，多人用顿号分隔。"),
    Column("撤销日期", "retired_on", DATE, note="撤销该工作站时填写，如 2026-06-30；不撤销的不填。"),
    Column("撤销原因", "retire_reason", TEXT, max_length=200, note="填写撤销日期时必填。"),
]
BY_FIELD = {c.field: c for c in COLUMNS}
FIELD_OF_ERROR = {"villages": "village_codes", "__all__": ""}


def _names(text: str) -> list[str]:
    return [name for name in SEPARATORS.split(text or "") if name]


class StationImporter:
    def __init__(self, user, report: ImportReport) -> None:
        self.user = user
        self.report = report
        self.seen: dict[str, int] = {}

    def fail(self, row: Row, field: str, message: str) -> None:
        row.errors.append(message)
        column = BY_FIELD.get(FIELD_OF_ERROR.get(field, field), "")
        self.report.add_error(row.number, cell_message(row.number, column, message.rstrip("。")))

    def process(self, rows: list[Row]) -> None:
        for row in rows:
            code = row.values.get("code")
            if code:
                first = self.seen.setdefault(code, row.number)
                if first != row.number:
                    self.fail(row, "code", f"与第 {first} 行的工作站编码重复")
            if not row.errors:
                self._one(row)

    def finish(self) -> None:
        pass

    def _org(self, code: str, action: str) -> Organization | None:
        org = Organization.objects.filter(code=code).first()
        if org is None or not allowed(self.user, org.path, action):
            return None
        return org

    def _one(self, row: Row) -> None:
        values = row.values
        town = self._org(values["town_code"], Action.MANAGE)
        if town is None:
            self.fail(row, "town_code", NOT_FOUND.format(code=values["town_code"]))
            return
        villages = []
        for code in _names(values.get("village_codes", "")):
            village = self._org(code, Action.VIEW)
            if village is None:
                self.fail(row, "village_codes", NOT_FOUND.format(code=code))
                return
            villages.append(village)
        retired_on: datetime.date | None = values.get("retired_on")
        if retired_on and not values.get("retire_reason"):
            self.fail(row, "retire_reason", "填写撤销日期时须写明撤销原因")
            return
        try:
            self._apply(row, town, villages, retired_on)
        except ValidationError as exc:
            pairs = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
            for field, messages in pairs:
                for message in messages:
                    self.fail(row, field, message)
        except OutOfScope:
            self.fail(row, "code", "不在您的管理范围内")

    def _apply(self, row: Row, town, villages, retired_on) -> None:
        values = row.values
        station = Workstation.objects.filter(code=values["code"]).select_related("town").first()
        if station is not None and not allowed(self.user, station.town.path, Action.MANAGE):
            self.fail(row, "code", f"工作站编码“{station.code}”已被使用或不在您的管理范围内")
            return
        if station is not None and station.town_id != town.pk:
            self.fail(row, "town_code", "工作站不能调整到其他乡镇；请撤销后在该乡镇新建")
            return
        if station is not None and station.retired_on:
            self.fail(row, "code", f"该工作站已于 {station.retired_on:%Y-%m-%d} 撤销，不能再修改")
            return
        created = station is None
        changed = False
        if created:
            station = services.create_station(
                actor=self.user, town=town, name=values["name"], code=values["code"], villages=villages
            )
        elif (station.name, {v.pk for v in station.villages.all()}) != (values["name"], {v.pk for v in villages}):
            services.update_station(
                station, actor=self.user, name=values["name"], code=values["code"], villages=villages
            )
            changed = True
        if {"chief", "fulltime_names", "parttime_names"} & row.present:
            changed |= services.replace_staff(station, self._people(values), actor=self.user)
        if retired_on:
            services.retire_station(station, actor=self.user, on=retired_on, reason=values["retire_reason"])
            changed = True
        if created:
            self.report.created += 1
        elif changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def _people(self, values: dict) -> list[dict]:
        people = []
        chief = values.get("chief", "")
        chief_full_time = values.get("chief_full_time")
        if chief:
            people.append({"name": chief, "post": StaffPost.CHIEF, "full_time": chief_full_time is not False})
        for name in _names(values.get("fulltime_names", "")):
            if name != chief:
                people.append({"name": name, "post": StaffPost.STAFF, "full_time": True})
        for name in _names(values.get("parttime_names", "")):
            if name != chief:
                people.append({"name": name, "post": StaffPost.STAFF, "full_time": False})
        return people


def register_import() -> None:
    """Make the station list importable (`dangjian import stations FILE`); called from StationsConfig.ready()."""
    # A station is set up by its town's committee: managing (not just editing) the town is what each row needs.
    register_kind("stations", title="党建工作站", columns=COLUMNS, importer=StationImporter, action=Action.MANAGE)
