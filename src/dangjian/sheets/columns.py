"""The columns of each importable and exportable list, derived from the models' verbose names and choices.

One definition serves the template, the import and the export, so a header reads the same everywhere.
A column either names a model field (`field`) or a reference by code (`parent_code`, `org_code`, ...),
which the importer resolves within the user's scope.
"""

from __future__ import annotations

import datetime

from django.db import models

from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .column_types import (
    BOOL,
    BOOL_CHOICES,
    CHOICE,
    CODE,
    DATE,
    DECIMAL,
    ID_NUMBER,
    INT,
    NAME,
    OUT_OF_SCOPE,
    PHONE,
    TEXT,
    Column,
    header_key,
)

__all__ = [
    "BOOL",
    "CHOICE",
    "CODE",
    "COLUMNS",
    "DATE",
    "DECIMAL",
    "ID_NUMBER",
    "INT",
    "NAME",
    "OUT_OF_SCOPE",
    "PHONE",
    "TEXT",
    "TITLES",
    "Column",
    "header_key",
]


def _col(model: type[models.Model], name: str, type: str = TEXT, **extra) -> Column:
    """A column for a model field: header, choices, length and whether it is required come from the field."""
    field = model._meta.get_field(name)
    if type == BOOL:
        extra.setdefault("choices", BOOL_CHOICES)
    elif field.choices and "choices" not in extra:
        extra["choices"] = tuple((str(v), str(label)) for v, label in field.choices)
        type = CHOICE
    required = extra.pop("required", not field.blank and not field.has_default() and not field.null)
    max_length = getattr(field, "max_length", None) if type in (TEXT, NAME, CODE) else None
    return Column(str(field.verbose_name), name, type, required=required, max_length=max_length, **extra)


def _org_columns() -> list[Column]:
    O = Organization  # noqa: E741 - a one-letter alias keeps the table of columns readable
    return [
        _col(O, "name", example="青松村党支部", note="党组织全称。"),
        _col(O, "code", CODE, example="DEMO-0001", note="唯一；已存在的编码更新该组织，新编码新建组织。"),
        Column(
            "上级组织编码",
            "parent_code",
            CODE,
            max_length=40,
            example="DEMO-TOWN",
            aliases=("上级党组织编码", "上级编码"),
            note="新建组织必填，填上级党组织的组织编码；上级可以是本文件中前面各行新建的组织。",
        ),
        _col(O, "kind", example="党支部", note="从下拉列表选择；须与上级党组织的类别相符。"),
        _col(O, "domain", example="农村", note="从下拉列表选择；县委、乡镇党委等可不填。"),
        _col(O, "level", example="村（社区）", note="从下拉列表选择。"),
        _col(O, "established", DATE, example=datetime.date(2016, 11, 16), note="日期，如 2016-11-16。"),
        _col(O, "term_start", DATE, example=datetime.date(2021, 11, 16), note="日期，如 2021-11-16。"),
        _col(O, "term_years", INT, example=5, note="整数；不填按规定自动取 3 年或 5 年。"),
        _col(O, "committee_seats", INT, example=3, note="整数，不填为 0。"),
        _col(O, "staff_total", INT, example=0, note="整数，不填为 0。"),
        _col(O, "party_staff_fulltime", INT, example=0, note="整数，不填为 0。"),
        _col(O, "party_staff_parttime", INT, example=1, note="整数，不填为 0。"),
        _col(O, "unit_count", INT, example=1, note="整数，不填为 1。"),
        _col(O, "has_discipline_committee", BOOL, example="否", note="是 / 否，不填为否。"),
        _col(O, "activity_funds", DECIMAL, example="5000.00", note="金额（元），不填为 0。"),
        _col(O, "address", example="示范市漠北县松岭镇青松村", note=""),
        Column(
            "垂直管理系统",
            "system_name",
            TEXT,
            max_length=100,
            note="垂直管理系统的名称（须已在系统中登记且在您的范围内），不属于垂直管理系统的不填。",
        ),
        _col(O, "system_tier", note="垂直管理系统的单位才填。"),
        Column(
            "业务上级（条）编码",
            "system_parent_code",
            CODE,
            max_length=40,
            note=f"垂直管理系统中业务上级的组织编码，不属于垂直管理系统的不填；“{OUT_OF_SCOPE}”保留原业务上级。",
        ),
    ]


def _member_columns() -> list[Column]:
    M = Member  # noqa: N806
    return [
        Column(
            "所在党组织编码",
            "org_code",
            CODE,
            required=True,
            max_length=40,
            example="DEMO-0001",
            aliases=("党组织编码", "组织编码"),
            note="党员所在党支部的组织编码。",
        ),
        _col(M, "name", NAME, example="王春生"),
        _col(M, "gender", required=False, example="男", note="男 / 女；不填取自公民身份号码。"),
        _col(
            M,
            "id_number",
            ID_NUMBER,
            required=True,
            sensitive=True,
            example="990101198001010014",
            aliases=("身份证号", "身份证号码", "公民身份证号码", "身份证"),
            note=(
                "18 位，末位可为 X；已登记的号码更新该党员，新号码新增党员。请把本列设为文本，以免 Excel 改成科学计数。"
            ),
        ),
        _col(M, "birth_date", DATE, example=datetime.date(1980, 1, 1), note="不填取自公民身份号码；填写的须与之一致。"),
        _col(M, "ethnicity", example="汉族", note="不填为汉族。"),
        _col(M, "education", example="大学本科"),
        _col(
            M,
            "phone",
            PHONE,
            sensitive=True,
            example="13800001111",
            aliases=("手机号", "手机号码", "电话", "联系方式"),
            note="11 位手机号或固定电话，可带空格或短横线。",
        ),
        _col(M, "status", example="正式党员", note="不填为正式党员。"),
        _col(M, "join_date", DATE, example=datetime.date(2005, 7, 1), note="日期，如 2005-07-01。"),
        _col(M, "full_date", DATE, example=datetime.date(2006, 7, 1), note="日期；预备党员不填。"),
        _col(M, "is_mobile", BOOL, example="否", note="是 / 否，不填为否。"),
        _col(M, "mobile_destination", example="", note="流动党员必填。"),
        _col(M, "is_untransferred", BOOL, example="否", aliases=("口袋党员",), note="是 / 否，不填为否。"),
        _col(M, "is_retired", BOOL, example="否", note="是 / 否，不填为否。"),
        _col(M, "job", example="村民"),
    ]


COLUMNS: dict[str, list[Column]] = {"orgs": _org_columns(), "members": _member_columns()}
TITLES = {"orgs": "党组织", "members": "党员"}
