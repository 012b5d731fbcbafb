"""A new member's database row and change-set line, made from its parsed row without the database, a chunk at a time.

All a created member needs besides its key and organization (the clean values with the creation defaults, the
keyed digests, the two seals, the database values in column order, its change-set line) depends on the row alone.
So it is made by one `Preparer`, a chunk's rows at a time, wherever that is cheapest: by a reader process
(`fast.reader`) for the rows the register does not hold, while the importer looks up and writes the chunk before,
and by the importer for the rows it finds new after all; the importer then puts in the key and the organization
(`members.bulk.BulkMemberWriter._insert`), which costs it a formatting of bytes per member. What the plain importer
(`sheets.import_members`) does through `members.services.create_member` for one member at a time, this does for a
chunk, column by column; `tests/test_import_paths.py` holds the two to the same members and change set.
"""

from __future__ import annotations

import datetime
import operator
from itertools import repeat
from typing import Any, NamedTuple

import orjson

from dangjian.core import normalize as N
from dangjian.core.bulk_insert import copy_rows, copy_text
from dangjian.core.crypto import Digester, FieldKey, Sealer
from dangjian.members.rules import ACROSS, BIRTH_FROM_ID, Problem, member_problems, problems_by_column

from ..column_types import Column
from ..rowparse import Row, cell_message

SEALED = ("id_number", "phone")  # stored encrypted, each with a `<name>_digest` column beside it
# The member rules a new member is held to here, column by column (`members.rules.problems_by_column`): those across
# fields, but the birth date's agreement with the ID number, whose birth date it is here (`check_alone` told the
# row of any other). The single values were checked as the cells were parsed.
RULES = tuple(rule for rule in ACROSS if rule is not BIRTH_FROM_ID)


class Prepared(NamedTuple):
    """A new member, ready but for its key and organization (see `members.bulk.BulkMemberWriter._insert`)."""

    id_digest: str
    problems: list[Problem]  # the member rules it breaks (`RULES`)
    # The database values of `Preparer.copied`, in that order (sealed, digested, adapted); for a `COPY`
    # (`Preparer(copy=True)`) as that row's text (`copy_text`), to follow the key and the organization.
    row: tuple | bytes
    # The change-set line (`changesets._line` of the entry `members.bulk.BulkMemberWriter._insert` stands for), with
    # `%d` for the key, the organization, the key and the organization, in that order, and every other "%" doubled.
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


PREFIX_DIGITS = 16  # a digest's first 64 bits, in hex


def prefix(digest: str) -> int:
    """A digest's first 64 bits, as a number: what `fast.members.Registered` keeps of each registered member."""
    return int(digest[:PREFIX_DIGITS], 16)


class Preparer:
    """Prepares new members; made by the importer (its defaults, key, clock and database's ways), then given the
    clean values of a chunk's rows (`many`) or of one row, in the importer's process or in a reader process, which
    takes it along pickled: the key goes as it is, its digester and sealer are made again there.

    The rows are made column by column: each column's values are taken, defaulted, written as dates, digested and
    sealed in one pass, and the texts (the JSON of the change-set lines, the `COPY` rows) are escaped and cut for
    all the rows at once. A reader process spends most of its time here, and so the Python work per member is a
    few calls made from C rather than a few per value. `tests/test_member_prep.py` holds it to the single-row
    ways (`copy_text`, `changesets._line`); the rules are the members app's, one table for both ways."""

    def __init__(
        self,
        *,
        columns: list[str],
        dates: list[str],
        defaults: dict[str, Any],
        fields: frozenset[str],
        key: FieldKey,
        cipher: str,
        now: datetime.datetime,
        stored_now,
        today: datetime.date,
        copy: bool = False,
    ) -> None:
        # `columns`: the member table's columns by attname, without the key, in the model's order.
        self.copied = [name for name in columns if name != "org_id"]  # written after the key and the organization
        self.dates = dates  # the date columns: ISO text in the snapshot and to the database (both parse it)
        self.defaults, self.fields = defaults, fields
        self.key, self.cipher = key, cipher
        self._keyed()
        self.now_text, self.stored_now = str(now), stored_now
        self.today = today
        self.copy = copy
        if copy:  # the same text for every row: made once
            self.stored_now = copy_text([stored_now]).decode()
        # The snapshot (`member_snapshot`): "id", then every column in the model's order but the sealed ones.
        self.shown = ["id", *(name for name in columns if name not in SEALED)]

    def _keyed(self) -> None:
        self.digest, self.seal = Digester(self.key), Sealer(self.key, self.cipher)

    def __getstate__(self) -> dict:
        return {name: value for name, value in self.__dict__.items() if name not in ("digest", "seal")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._keyed()

    def __call__(self, values: dict[str, Any]) -> Prepared | None:
        return self.many([values])[0]

    def many(self, rows: list[dict[str, Any]], registered: set[int] | None = None) -> list[Prepared | None]:
        """Each row's new member, in the rows' order; None for a row without an ID number (never created) and for
        one whose ID number's digest has its `prefix` among `registered` (the member is likely there already: the
        importer looks it up, and makes it only if it is not found)."""
        made: list[Prepared | None] = [None] * len(rows)
        kept = [k for k, values in enumerate(rows) if values.get("id_number")]
        digests = self.digest.many([rows[k]["id_number"] for k in kept])
        if registered:
            new = [(k, d) for k, d in zip(kept, digests, strict=True) if prefix(d) not in registered]
            kept, digests = [k for k, _d in new], [d for _k, d in new]
        if kept:
            for k, member in zip(kept, self._make([rows[k] for k in kept], digests), strict=True):
                made[k] = member
        return made

    def _make(self, rows: list[dict[str, Any]], digests: list[str]) -> list[Prepared]:
        count = len(rows)
        member = self._given(rows)
        ids = member["id_number"]
        member["birth_date"] = list(map(N.birth_date_of, ids))  # as the importer's `check_alone` sets it
        member["id_number_digest"] = digests
        member["phone_digest"] = self.digest.many(member["phone"])
        problems = problems_by_column(member, count, today=self.today, rules=RULES)
        for name in self.dates:
            member[name] = _iso(member[name])
        member["id"], member["org_id"] = [_KEY] * count, [_ORG] * count
        member["created_at"] = member["updated_at"] = [self.now_text] * count
        lines = self._lines(member)
        member["id_number"], member["phone"] = self.seal.many(ids), self.seal.many(member["phone"])
        member["created_at"] = member["updated_at"] = [self.stored_now] * count
        columns = [member[name] for name in self.copied]
        made = copy_rows(columns, count) if self.copy else list(zip(*columns, strict=True))
        return list(map(Prepared._make, zip(digests, problems, made, lines, strict=True)))

    def _given(self, rows: list[dict[str, Any]]) -> dict[str, list]:
        """Every column's values: the rows' own, the creation default where a row leaves it blank; the gender, when
        blank, the ID number's."""
        count, get = len(rows), dict.get
        present = self.fields.intersection(set().union(*map(dict.keys, rows)))
        member: dict[str, list] = {}
        for name, default in self.defaults.items():
            if name not in present:
                member[name] = [default] * count
                continue
            column = list(map(get, rows, repeat(name)))
            if None in column or "" in column:
                column = [default if value is None or value == "" else value for value in column]
            member[name] = column
        if "gender" in present:
            given = member["gender"]
            if "" in given or None in given:
                member["gender"] = [g if g else N.gender_of(i) for g, i in zip(given, member["id_number"], strict=True)]
        else:
            member["gender"] = list(map(N.gender_of, member["id_number"]))
        return member

    def _lines(self, member: dict[str, list]) -> list[bytes]:
        """The change-set lines: the JSON of each name and snapshot made per row by orjson, escaped for `%` and
        given their `%d` slots for the whole chunk at once (no JSON text holds a line end, so the rows are cut
        there again)."""
        shown = map(dict, map(zip, repeat(self.shown), zip(*(member[name] for name in self.shown), strict=True)))
        after = b"\n".join(map(orjson.dumps, shown)).replace(b"%", b"%%")
        after = after.replace(_KEY_JSON, b'{"id":%d').replace(_ORG_JSON, b',"org_id":%d').split(b"\n")
        names = b"\n".join(map(orjson.dumps, member["name"])).replace(b"%", b"%%").split(b"\n")
        parts = zip(repeat(_LINE_HEAD), names, repeat(_LINE_MIDDLE), after, repeat(_LINE_TAIL))
        return list(map(b"".join, parts))


def _iso(dates: list) -> list:
    """Dates as ISO text, None kept."""
    if None in dates:
        return [None if d is None else d.isoformat() for d in dates]
    return list(map(operator.methodcaller("isoformat"), dates))


class AloneCheck:
    """The checks that need nothing but the row, made where it is parsed (in a reader process, or by the importer):
    its messages go with the row's own. The birth date is the ID number's; one given must agree with it."""

    def __init__(self, columns: dict[str, Column], today: datetime.date) -> None:
        self.columns, self.today = columns, today

    def __call__(self, row: Row) -> None:
        values = row.values
        id_no = values.get("id_number")
        if id_no:
            if values.get("birth_date"):
                for field, message in member_problems(values, today=self.today, rules=(BIRTH_FROM_ID,)):
                    row.errors.append(cell_message(row.number, self.columns[field], message))
            values["birth_date"] = N.birth_date_of(id_no)
