"""One rule, one answer: a bad member is refused with the same Chinese words through the web form, the services and
the import (new and existing members, the plain way and the fast way), and nothing is written; the
import's column-by-column checks and its fast ID-number check are held to the rules by generated values."""

from __future__ import annotations

import datetime
import functools
import string
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core import normalize as N
from dangjian.core.citizen_id import PHONE_MESSAGE, check_digit, id_number_problem
from dangjian.core.crypto import digest
from dangjian.core.models import AuditLog
from dangjian.members.models import Member
from dangjian.members.rules import RULES, member_problems, problems_by_column
from dangjian.members.services import create_member, member_snapshot, update_member
from dangjian.orgs.models import Organization
from dangjian.sheets import imports
from dangjian.sheets.columns import COLUMNS
from dangjian.sheets.imports import run_import
from sheets_files import write_csv

from conftest import id_number

NOW = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # today is 2026-03-02
NUMBER = id_number(201)  # born 1980-01-01
WRONG_CHECK = NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")
HEADERS = {column.field: column.header for column in COLUMNS["members"]}
GOOD = {
    "name": "新党员",
    "gender": "male",
    "id_number": NUMBER,
    "birth_date": datetime.date(1980, 1, 1),
    "phone": "13800001111",
    "join_date": datetime.date(2010, 7, 1),
    "full_date": datetime.date(2011, 7, 1),
    "is_mobile": False,
    "mobile_destination": "",
}

# Each bad member: what differs from GOOD, and the one problem every way in reports (field, message).
BAD = {
    "full date before joining": (
        {"full_date": datetime.date(2009, 7, 1)},
        ("full_date", "转正日期不能早于入党日期"),
    ),
    "joining date in the future": (
        {"join_date": datetime.date(2026, 4, 1), "full_date": None},
        ("join_date", "入党日期不能晚于今天"),
    ),
    "full date in the future": ({"full_date": datetime.date(2026, 3, 3)}, ("full_date", "转正日期不能晚于今天")),
    "joining before birth": (
        {"join_date": datetime.date(1979, 7, 1), "full_date": None},
        ("join_date", "入党日期应晚于出生日期"),
    ),
    "wrong check digit": (
        {"id_number": WRONG_CHECK},
        ("id_number", f"校验码错误（按前 17 位应为 {NUMBER[17]}），请核对号码"),
    ),
    "malformed ID number": ({"id_number": "12345"}, ("id_number", "公民身份号码应为18位，最后一位可以是数字或X")),
    "birth date not the ID number's": (
        {"birth_date": datetime.date(1981, 1, 1)},
        ("birth_date", "与公民身份号码中的出生日期 1980-01-01 不一致"),
    ),
    "no name": ({"name": ""}, ("name", "必填，不能为空")),
    "bad phone": ({"phone": "1380"}, ("phone", PHONE_MESSAGE)),
    "mobile without destination": ({"is_mobile": True}, ("mobile_destination", "流动党员请填写流入地")),
}


def _text(value) -> str:
    """A value as a person types it into a sheet."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return {"male": "男"}.get(value, value)


def _form_data(values: dict) -> dict:
    """A value as the browser posts it: a ticked box as "on", an unticked one not at all."""
    data = {"org": "T-BIRCH", "ethnicity": "汉族", "status": "full"}
    for name, value in values.items():
        if value is True:
            data[name] = "on"
        elif value is not False:
            data[name] = "" if value is None else value.isoformat() if isinstance(value, datetime.date) else value
    return data


def _unchanged(write) -> None:
    """Run `write`, which must keep nothing: no member, no change to one, no audit record."""
    before = ([member_snapshot(m) for m in Member.objects.order_by("pk")], AuditLog.objects.count())
    write()
    assert ([member_snapshot(m) for m in Member.objects.order_by("pk")], AuditLog.objects.count()) == before


def _raised(write) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        _unchanged(write)
    return [(field, message) for field, messages in caught.value.message_dict.items() for message in messages]


def by_form(town_user, login, values, tmp_path):
    client, answers = login(town_user), []  # the login is audited: before the count

    def post():
        response = client.post("/members/new/", _form_data(values))
        assert response.status_code == 400
        errors = response.context["form"].errors
        answers.extend((field, message) for field, messages in errors.items() for message in messages)
        assert all(message in response.content.decode() for _field, message in answers)  # shown on the page

    _unchanged(post)
    return answers


def by_create(town_user, login, values, tmp_path):
    return _raised(lambda: create_member(actor=town_user, org=_birch(), **values))


def by_update(town_user, login, values, tmp_path):
    member = create_member(actor=town_user, org=_birch(), **{**GOOD, "id_number": id_number(202)})
    return _raised(lambda: update_member(member, actor=town_user, **values))


def by_import(town_user, login, values, tmp_path, *, existing=False):
    if existing:  # the row updates the member registered with its ID number (or, when the number is bad, none)
        create_member(actor=town_user, org=_birch(), **{**GOOD, "name": "老党员"})
    fields = list(GOOD)
    header = [HEADERS["org_code"], *(HEADERS[name] for name in fields)]
    path = write_csv(tmp_path / "m.csv", [header, ["T-BIRCH", *(_text(values[name]) for name in fields)]])
    reports = []
    _unchanged(lambda: reports.append(run_import("members", path, town_user)))
    answers = []
    for error in reports[0].errors:
        assert error.row_number == 2 and error.message.startswith("第 2 行「"), error.message
        shown, message = error.message.removeprefix("第 2 行「").split("」：", 1)
        answers.append((next(name for name, header in HEADERS.items() if header == shown), message))
    return answers


def _birch():
    return Organization.objects.get(code="T-BIRCH")


WAYS = {
    "web form": (by_form, False),
    "create_member": (by_create, False),
    "update_member": (by_update, False),
    "import of a new member": (by_import, False),
    "import of a new member, the fast way": (by_import, True),
    "import over a registered member": (functools.partial(by_import, existing=True), False),
    "import over a registered member, the fast way": (functools.partial(by_import, existing=True), True),
}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("case", BAD)
def test_it_refuses_each_bad_member_with_the_same_words_whichever_way_it_comes_in(
    region, town_user, login, tmp_path, monkeypatch, way, case
):
    run, fast = WAYS[way]
    if fast:
        monkeypatch.setattr(imports, "FAST_FROM", 0)
    changes, problem = BAD[case]
    values = {**GOOD, **changes}
    with time_machine.travel(NOW):
        assert member_problems(values, today=NOW.date()) == [problem]  # the rules' own answer
        assert run(town_user, login, values, tmp_path) == [problem]


@pytest.mark.parametrize("way", WAYS)
def test_the_good_member_the_cases_start_from_is_taken_by_every_way(region, town_user, login, tmp_path, way):
    # Each bad member differs from it in one thing, so that one thing is what is refused.
    with time_machine.travel(NOW):
        assert member_problems(GOOD, today=NOW.date()) == []
        if way == "web form":
            response = login(town_user).post("/members/new/", _form_data(GOOD))
            assert response.status_code == 302
        elif way == "create_member":
            create_member(actor=town_user, org=region.birch, **GOOD)
        elif way == "update_member":
            member = create_member(actor=town_user, org=region.birch, **{**GOOD, "id_number": id_number(202)})
            update_member(member, actor=town_user, **GOOD)
        else:
            fields = list(GOOD)
            if "registered" in way:
                create_member(actor=town_user, org=region.birch, **{**GOOD, "name": "老党员"})
            header = [HEADERS["org_code"], *(HEADERS[name] for name in fields)]
            path = write_csv(tmp_path / "m.csv", [header, ["T-BIRCH", *(_text(GOOD[name]) for name in fields)]])
            report = run_import("members", path, town_user)
            assert report.errors == []
    assert Member.objects.get(id_number_digest=digest(NUMBER)).name == "新党员"


def test_every_rule_has_a_bad_member_above_but_the_gender_the_import_fills_in():
    covered = {problem for _changes, problem in BAD.values()}
    said = {(rule.field, rule.message) for rule in RULES if isinstance(rule.message, str)}
    assert said - covered == {("gender", "必填，不能为空")}


# -- the import's fast ways, held to the rules ---------------------------------------------------------------------

DAYS = st.one_of(st.none(), st.dates(datetime.date(1940, 1, 1), datetime.date(2030, 12, 31)))
IDS = st.one_of(
    st.just(""),
    st.builds(lambda seq, born: id_number(seq, born), st.integers(0, 999), st.dates(datetime.date(1940, 1, 1))),
    st.text(string.digits + "X", min_size=18, max_size=18),
)
FIELDS = {
    "id_number": IDS,
    "birth_date": DAYS,
    "join_date": DAYS,
    "full_date": DAYS,
    "is_mobile": st.booleans(),
    "mobile_destination": st.sampled_from(["", "上海"]),
    "name": st.sampled_from(["", "王芳"]),
    "gender": st.sampled_from(["", "male"]),
    "phone": st.sampled_from(["", "1380", "13800001111"]),
}


@given(st.lists(st.fixed_dictionaries(FIELDS), max_size=30), st.sets(st.sampled_from(list(FIELDS)), max_size=3))
def test_the_rules_column_by_column_are_the_rules_member_by_member(members, missing):
    # Columns the file does not have are not given, in both ways.
    today = datetime.date(2026, 3, 2)
    members = [{name: value for name, value in member.items() if name not in missing} for member in members]
    names = set(members[0]) if members else set()
    columns = {name: [member[name] for member in members] for name in names}
    members = [{name: member[name] for name in names} for member in members]
    expected = [member_problems(member, today=today) for member in members]
    assert problems_by_column(columns, len(members), today=today) == expected


@given(
    st.one_of(
        st.builds(lambda seq, born: id_number(seq, born), st.integers(0, 999), st.dates(datetime.date(1900, 1, 1))),
        st.builds(
            lambda body: body + check_digit(body), st.text(string.digits, min_size=17, max_size=17)
        ),  # any day, even none
        st.text(string.digits + "X", min_size=18, max_size=18),
        st.text(string.digits + "Xx -", max_size=20),
    )
)
def test_the_import_takes_an_id_number_exactly_when_the_rules_do(raw):
    # `normalize._well_formed_id` is a fast way to `id_number_problem`; the cell's message is the rules' own.
    problem = id_number_problem(raw)
    assert N._well_formed_id(raw) == (problem == "")
    cell = raw.replace(" ", "").replace("-", "").upper()
    if not cell:
        assert N.id_number(raw) == ""
        return
    try:
        assert N.id_number(raw) == cell and id_number_problem(cell) == ""
    except N.CellError as exc:
        assert str(exc) == id_number_problem(cell) != ""


@given(st.text(string.digits + " -+()", max_size=16))
def test_the_import_takes_a_phone_number_the_rules_take(raw):
    try:
        digits = N.phone(raw)
    except N.CellError as exc:
        assert str(exc) == PHONE_MESSAGE
        return
    assert digits == "" or member_problems({"phone": digits}, today=datetime.date(2026, 3, 2)) == []


def test_every_rule_has_a_case_above_or_is_the_gender_the_import_fills_in():
    covered = {problem for _changes, problem in BAD.values()}
    said = {(rule.field, rule.message) for rule in RULES if isinstance(rule.message, str)}
    assert said - {message for message in covered} == {("gender", "必填，不能为空")}
