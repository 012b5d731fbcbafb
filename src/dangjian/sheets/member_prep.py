"""A new member's database row and change-set line, made from its parsed row without the database.

All a created member needs besides its key and organization (the clean values with the creation defaults, the
keyed digests, the two seals, the database values in column order, its change-set line) depends on the row alone.
So it is made by one function wherever that is cheapest: by the importer for the rows it finds new, or, for a large
file, by a reader process (`sheets.reader`) for every row while the importer looks up and writes the chunk
before; the importer then puts in the key and the organization (`MemberImporter._insert`), which costs it a
formatting of bytes per member.
"""

from __future__ import annotations

import datetime
import operator
from typing import Any, NamedTuple

import orjson

from dangjian.core.bulk_insert import copy_text

from . import normalize as N

SEALED = ("id_number", "phone")  # stored encrypted, each with a `<name>_digest` column beside it


class Prepared(NamedTuple):
    """A new member, ready but for its key and organization (see `MemberImporter._insert`)."""

    id_digest: str
    problems: list[tuple[str, str]]  # (field, message) of the rules across fields (`final_problems`)
    # The database values of `Preparer.copied`, in that order (sealed, digested, adapted); for a `COPY`
    # (`Preparer(copy=True)`) as that row's text (`copy_text`), to follow the key and the organization.
    row: tuple | bytes
    # The change-set line (`changesets._line` of the entry `MemberImporter._insert` stands for), with `%d` for the
    # key, the organization, the key and the organization, in that order, and every other "%" doubled.
    line: bytes


# A created member's change-set line, as `changesets._line` writes it (the same keys in the same order): the name
# as JSON and the snapshot's JSON go between these.
_LINE_HEAD = b'{"id":%d,"action":"create","org":%d,"repr":'
_LINE_MIDDLE = b',"before":null,"after":'
_LINE_TAIL = b',"detail":' + orjson.dumps("批量导入").replace(b"%", b"%%") + b"}"
# In the snapshot the key and the organization are written as these texts, then made `%d` slots. As JSON each reads
# `"\u0000…"`, and behind its key (no text's JSON holds a bare quote) it is found nowhere else.
_KEY, _ORG = "\0key", "\0org"
_KEY_JSON, _ORG_JSON = (b'{"id":' + orjson.dumps(_KEY), b',"org_id":' + orjson.dumps(_ORG))


def final_problems(member: dict, today: datetime.date) -> list[tuple[str, str]]:
    """Rules across fields, on the member as it would be after the import (as the member form checks)."""
    get = member.get
    join, birth, full = get("join_date"), get("birth_date"), get("full_date")
    problems = []
    if get("is_mobile") and not get("mobile_destination"):
        problems.append(("mobile_destination", "流动党员请填写流入地"))
    if join and birth and join <= birth:
        problems.append(("join_date", "入党日期应晚于出生日期"))
    if full and join and full < join:
        problems.append(("full_date", "转正日期不能早于入党日期"))
    if join and join > today:
        problems.append(("join_date", "入党日期不能晚于今天"))
    return problems


class Preparer:
    """Prepares new members; made by the importer (its defaults, keys, clock and database's ways), then called with
    each row's clean values, in the importer's process or in a reader process."""

    def __init__(
        self,
        *,
        columns: list[str],
        dates: list[str],
        defaults: dict[str, Any],
        fields: frozenset[str],
        digest,
        seal,
        now: datetime.datetime,
        stored_now,
        today: datetime.date,
        copy: bool = False,
    ) -> None:
        # `columns`: the member table's columns by attname, without the key, in the model's order.
        self.copied = [name for name in columns if name != "org_id"]  # written after the key and the organization
        self.row_of = operator.itemgetter(*self.copied)
        self.dates = dates  # the date columns: ISO text in the snapshot and to the database (both parse it)
        self.defaults, self.fields = defaults, fields
        self.digest, self.seal = digest, seal
        self.now_text, self.stored_now = str(now), stored_now
        self.today = today
        self.copy = copy
        if copy:  # the same text for every row: made once
            self.stored_now = copy_text([stored_now]).decode()
        # The snapshot (`member_snapshot`): "id", then every column in the model's order but the sealed ones.
        self.shown = ["id", *(name for name in columns if name not in SEALED)]
        self.shown_of = operator.itemgetter(*self.shown)

    def __call__(self, values: dict[str, Any]) -> Prepared | None:
        id_number = values.get("id_number")
        if not id_number:
            return None
        fields = self.fields
        member = dict(self.defaults)
        member.update({k: v for k, v in values.items() if k in fields and v is not None and v != ""})
        member["birth_date"] = N.birth_date_of(id_number)  # as the importer's `_check_row` sets it
        if values.get("gender") in ("", None):
            member["gender"] = N.gender_of(id_number)
        phone = member["phone"]
        member["id_number_digest"] = id_digest = self.digest(id_number)
        member["phone_digest"] = self.digest(phone)
        problems = final_problems(member, self.today)
        for name in self.dates:
            if member[name] is not None:
                member[name] = member[name].isoformat()
        member["created_at"] = member["updated_at"] = self.now_text
        member["id"], member["org_id"] = _KEY, _ORG
        after = orjson.dumps(dict(zip(self.shown, self.shown_of(member), strict=True))).replace(b"%", b"%%")
        after = after.replace(_KEY_JSON, b'{"id":%d', 1).replace(_ORG_JSON, b',"org_id":%d', 1)
        name = orjson.dumps(member["name"]).replace(b"%", b"%%")
        line = b"".join((_LINE_HEAD, name, _LINE_MIDDLE, after, _LINE_TAIL))
        member["id_number"], member["phone"] = self.seal(id_number), self.seal(phone)
        member["created_at"] = member["updated_at"] = self.stored_now
        row = self.row_of(member)
        return Prepared(id_digest, problems, copy_text(row) if self.copy else row, line)
