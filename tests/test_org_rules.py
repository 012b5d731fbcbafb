"""An organization the rules refuse is refused in the same words through the web form, the services and the import,
and nothing is written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.models import AuditLog
from dangjian.orgs.choices import Level, OrgKind
from dangjian.orgs.models import Organization
from dangjian.orgs.services import create_org, update_org
from dangjian.sheets.columns import COLUMNS
from dangjian.sheets.imports import run_import
from sheets_files import write_csv

HEADERS = {column.field: column.header for column in COLUMNS["orgs"]}
# The field a problem the import names by its column is at: the parent's are in its code's column.
FIELD_OF = {header: field for field, header in HEADERS.items()} | {HEADERS["parent_code"]: "parent"}
GOOD = {"name": "第一党小组", "code": "T-NEW", "kind": OrgKind.GROUP, "level": Level.VILLAGE}  # under T-VILLAGE
LABELS = {"kind": dict(OrgKind.choices), "level": dict(Level.choices)}

BAD = {
    "no name": ({"name": ""}, ("name", "必填，不能为空")),
    "no level": ({"level": ""}, ("level", "必填，不能为空")),
    "a kind its parent cannot hold": (
        {"kind": OrgKind.TOWN_COMMITTEE, "level": Level.TOWN},
        ("parent", "“党支部”下不能设立“乡镇党委”"),
    ),
}


def _unchanged(write) -> None:
    before = (list(Organization.objects.order_by("pk").values()), AuditLog.objects.count())
    write()
    assert (list(Organization.objects.order_by("pk").values()), AuditLog.objects.count()) == before


def _raised(write) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        _unchanged(write)
    return [(field, message) for field, messages in caught.value.message_dict.items() for message in messages]


def by_form(user, login, values, tmp_path):
    client, answers = login(user), []  # the login is audited: before the count
    data = {"parent": "T-VILLAGE", "committee_seats": 0, "staff_total": 0, "party_staff_fulltime": 0}
    data |= {"party_staff_parttime": 0, "unit_count": 1, "activity_funds": "0", **values}

    def post():
        response = client.post("/orgs/new/", data)
        assert response.status_code == 400
        errors = response.context["form"].errors
        answers.extend((field, message) for field, messages in errors.items() for message in messages)
        assert all(message in response.content.decode() for _field, message in answers)  # shown on the page

    _unchanged(post)
    return answers


def by_create(user, login, values, tmp_path):
    village = Organization.objects.get(code="T-VILLAGE")
    return _raised(lambda: create_org(actor=user, parent=village, **values))


def by_update(user, login, values, tmp_path):
    # The good group made into what the case has: the same rules on a change.
    child = create_org(actor=user, parent=Organization.objects.get(code="T-VILLAGE"), **GOOD)
    changes = {name: value for name, value in values.items() if value != getattr(child, name)}
    return _raised(lambda: update_org(child, actor=user, **changes))


def by_import(user, login, values, tmp_path):
    fields = list(GOOD)
    header = [HEADERS["parent_code"], *(HEADERS[name] for name in fields)]
    row = ["T-VILLAGE", *(LABELS.get(name, {}).get(values[name], values[name]) for name in fields)]
    path = write_csv(tmp_path / "o.csv", [header, row])
    reports = []
    _unchanged(lambda: reports.append(run_import("orgs", path, user)))
    answers = []
    for error in reports[0].errors:
        assert error.row_number == 2 and error.message.startswith("第 2 行「"), error.message
        shown, message = error.message.removeprefix("第 2 行「").split("」：", 1)
        answers.append((FIELD_OF[shown], message))
    return answers


WAYS = {"web form": by_form, "create_org": by_create, "update_org": by_update, "import": by_import}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("case", BAD)
def test_it_refuses_each_bad_organization_with_the_same_words_whichever_way_it_comes_in(
    region, county_user, login, tmp_path, way, case
):
    changes, problem = BAD[case]
    assert WAYS[way](county_user, login, {**GOOD, **changes}, tmp_path) == [problem]


@pytest.mark.parametrize("way", WAYS)
def test_the_good_organization_the_cases_start_from_is_taken_by_every_way(region, county_user, login, tmp_path, way):
    if way == "web form":
        data = {"parent": "T-VILLAGE", "committee_seats": 0, "staff_total": 0, "party_staff_fulltime": 0}
        data |= {"party_staff_parttime": 0, "unit_count": 1, "activity_funds": "0", **GOOD}
        assert login(county_user).post("/orgs/new/", data).status_code == 302
    elif way == "create_org":
        create_org(actor=county_user, parent=region.village, **GOOD)
    elif way == "update_org":
        child = create_org(actor=county_user, parent=region.village, **GOOD)
        update_org(child, actor=county_user, name="新名称")
    else:
        header = [HEADERS["parent_code"], *(HEADERS[name] for name in GOOD)]
        row = ["T-VILLAGE", *(LABELS.get(name, {}).get(value, value) for name, value in GOOD.items())]
        assert run_import("orgs", write_csv(tmp_path / "o.csv", [header, row]), county_user).errors == []
    assert Organization.objects.get(code="T-NEW").parent == region.village
