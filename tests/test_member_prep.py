"""A new member made from its row alone (`sheets.fast.prep`): the change-set line and the database row it carries are
those the importer would write for it, whatever characters the values hold."""

from __future__ import annotations

import datetime

import orjson
import pytest

from dangjian.core import crypto
from dangjian.core.changesets import _line
from dangjian.sheets.fast.members import FastMemberImporter
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
    importer = FastMemberImporter(None, ImportReport("members", dry_run=False))
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


@pytest.mark.django_db
@pytest.mark.parametrize("copy", [False, True], ids=["rows", "COPY text"])
def test_rows_made_together_are_each_what_the_row_makes_alone(values, copy):
    importer = FastMemberImporter(None, ImportReport("members", dry_run=False))
    importer.apart = object() if copy else None
    prepare = importer.preparer()
    rows = [
        values,
        {"name": "无号", "id_number": ""},  # no ID number: nothing to create
        {"name": "男", "id_number": id_number(2), "gender": "", "phone": ""},  # gender from the ID number
        {"name": "换行\n工作", "id_number": id_number(3), "job": "a\\b", "is_mobile": True},  # escapes; a problem
        {"name": "早入党", "id_number": id_number(4), "join_date": datetime.date(1979, 1, 1), "status": None},
    ]
    together = prepare.many(rows)
    alone = [prepare(row) for row in rows]
    assert together[1] is None and alone[1] is None
    sealed = {prepare.copied.index(name) for name in ("id_number", "phone")}
    ring = crypto.keyring()
    for made, single, row in zip(together, alone, rows, strict=True):
        if row is rows[1]:
            continue
        assert (made.id_digest, made.problems, made.line) == (single.id_digest, single.problems, single.line)
        cells = made.row.split(b"\t") if copy else list(made.row)
        cells_alone = single.row.split(b"\t") if copy else list(single.row)
        assert len(cells) == len(prepare.copied)
        # Everything but the seals (each with a nonce of its own) is the same; the seals open to the row's values.
        assert [c for k, c in enumerate(cells) if k not in sealed] == [
            c for k, c in enumerate(cells_alone) if k not in sealed
        ]
        opened = [crypto.open_with(cells[k].decode() if copy else cells[k], ring) for k in sorted(sealed)]
        assert opened == [row.get("id_number", ""), row.get("phone") or ""]
    after = [orjson.loads(made.line % (1, 2, 1, 2))["after"] for made in together if made]
    assert [a["gender"] for a in after[1:3]] == ["female", "male"]  # the 17th digit: 2 even, 3 odd
    assert [a["status"] for a in after] == ["full"] * 4  # a blank status takes the default
    assert together[3].problems == [("mobile_destination", "流动党员请填写流入地")]
    assert together[4].problems == [("join_date", "入党日期应晚于出生日期")]
    assert b"\\n" in together[3].row if copy else "换行\n工作" in together[3].row
