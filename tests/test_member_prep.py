"""A new member made from its row alone (`member_prep`): the change-set line and the database row it carries are those
the importer would write for it, whatever characters the values hold."""

from __future__ import annotations

import datetime

import orjson
import pytest

from dangjian.core.changesets import _line
from dangjian.sheets.import_members import MemberImporter
from dangjian.sheets.imports import ImportReport

from conftest import id_number

ODD_NAME = '百分%d之"引号"\\'


@pytest.fixture
def values() -> dict:
    return {
        "org_code": "T-VILLAGE",
        "name": ODD_NAME,
        "id_number": id_number(1),
        "phone": "13900000000",
        "join_date": datetime.date(2010, 7, 1),
        "job": "岗位%s\t100%",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("copy", [False, True], ids=["rows", "COPY text"])
def test_the_line_is_the_change_set_line_of_the_member_with_its_key_and_organization(values, copy):
    importer = MemberImporter(None, ImportReport("members", dry_run=False))
    importer.apart = object() if copy else None  # what `stream` sets: rows for the open COPY
    new = importer.preparer()(values)
    line = new.line % (41, 7, 41, 7)
    entry = orjson.loads(line)
    assert _line(entry) == line  # the same keys, in the same order, as `ChangeSetWriter.write` writes
    assert (entry["id"], entry["org"], entry["action"], entry["repr"], entry["detail"]) == (
        41,
        7,
        "create",
        ODD_NAME,
        "批量导入",
    )
    after = entry["after"]
    assert list(after)[:2] == ["id", "name"] and (after["id"], after["org_id"]) == (41, 7)
    assert (after["job"], after["join_date"], after["birth_date"]) == ("岗位%s\t100%", "2010-07-01", "1980-01-01")
    assert "id_number" not in after and "phone" not in after  # sealed: never in clear in the audit trail
    if copy:
        # One line of COPY text: the tab in the job escaped, no line end.
        assert (
            b"\\t100%" in new.row
            and b"\n" not in new.row
            and new.row.count(b"\t") == len(importer.preparer().copied) - 1
        )
    else:
        assert ODD_NAME in new.row and "岗位%s\t100%" in new.row
