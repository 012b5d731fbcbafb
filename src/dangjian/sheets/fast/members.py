"""The member import's fast path: a large file's chunks parsed and prepared in reader processes, looked up and checked
a chunk at a time, written through the members app's bulk path. The plain importer (`sheets.import_members`) is the
specification: the same file gives the same members, transfers, change set and errors either way
(`tests/test_import_paths.py`).

Per chunk: organizations looked up by code (cached for the run), existing members by digest in one query (on
PostgreSQL only the rows whose ID number the register may hold: `Registered`), each row checked, then written through
`members.bulk.BulkMemberWriter` (new members as rows made beforehand by `fast.prep`, through a `COPY` kept open on
PostgreSQL; changed ones by bulk_update, each one's before/after in the run's change set, which the single IMPORT
audit record names and hashes). The rules are `members.rules`, asked column by column (`problems_by_column`) of the
new members and row by row of the others; scope as in the plain importer.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import operator
from typing import Any

from django.db import connection, models
from django.db.models.functions import Substr
from django.utils import timezone

from dangjian.core import crypto
from dangjian.core.scope import Action
from dangjian.members.bulk import BulkMemberWriter
from dangjian.members.models import Member
from dangjian.members.rules import ACROSS, member_problems
from dangjian.members.services import MEMBER_FIELDS, member_snapshot
from dangjian.orgs.models import Organization

from .. import rowparse
from ..columns import COLUMNS
from ..import_members import CREATE_DEFAULTS, ELSEWHERE, KEEP_WHEN_BLANK, NOT_FOUND
from ..imports import ImportReport, Row, allowed, cell_message
from ..read import Sheet
from . import reader
from .prep import PREFIX_DIGITS, SEALED, AloneCheck, Prepared, Preparer, prefix

# What the importer needs of an organization, in the model's order (as `Model.from_db` takes values).
ORG_FIELDS = [
    f.attname for f in Organization._meta.concrete_fields if f.attname in {"id", "code", "name", "path", "kind"}
]
# While streaming (`FastMemberImporter.stream`), the rows written by one `COPY`: its end checks their organizations.
ROWS_PER_COPY = 10_000
_FIELD_SET = frozenset(MEMBER_FIELDS)
DATE_FIELDS = [f.attname for f in Member._meta.concrete_fields if type(f) is models.DateField]


class FastMemberImporter:
    """Imports a large member file (see the module's docstring); `readers` reader processes parse it."""

    # What the checks and lookups read of every row (`_check_row`, `process`); the rest is read for the rows that
    # update a member (`Row.complete`).
    EVERY_ROW = ("id_number", "birth_date", "org_code")

    def __init__(self, user, report: ImportReport, readers: int = 1) -> None:
        self.user = user
        self.readers = readers
        self.report = report
        self.columns = {c.field: c for c in COLUMNS["members"]}
        self.seen: dict[str, int] = {}  # ID number → the row it first appeared in (duplicates within the file)
        self.orgs: dict[str, Organization | None] = {}  # code → organization in scope, None if not usable
        self.today = timezone.localdate()
        ring = crypto.keyring()
        self.key, self.cipher = ring.current, ring.cipher
        self.digest = crypto.Digester(self.key)  # `crypto.digest(value, self.key)`, faster for many values
        self.check_alone = AloneCheck(self.columns, self.today)
        self.fields = [f for f in Member._meta.concrete_fields if not f.primary_key]
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.create_defaults = {**self.defaults, **CREATE_DEFAULTS}
        self.changeset: dict | None = None  # what the IMPORT record names, once `finish` has closed the change set
        self.org: Organization | None = None
        self.now = timezone.now()  # when the members this run creates were created
        self._preparer: Preparer | None = None
        self.writes = BulkMemberWriter(
            actor=user,
            today=self.today,
            copied=[f.attname for f in self.fields if f.attname != "org_id"],
            rows_per_copy=ROWS_PER_COPY,
        )
        self.apart = None  # streaming (`stream`): a second connection for the lookups
        self._registered = Registered()
        self._getters: dict[frozenset[str], tuple] = {}  # `_compared`, per set of the file's columns

    def stream(self) -> None:
        """Write the new members through a `COPY` kept open from chunk to chunk (the server files them into the
        table and its five indexes while this process works on the next chunk), and look organizations, members and
        keys up through a second connection meanwhile. That connection sees what is committed, which is all a
        lookup needs: within the run, a member's ID number comes once (`_check_row`), so no row looks for one this
        run wrote. Only for a run in a transaction of its own (`run_import` decides): an enclosing transaction's
        own writes would be out of the second connection's sight.

        The organization's foreign key is checked at the end of each `COPY` (`BulkMemberWriter.stream`), and a
        `COPY` ends every `ROWS_PER_COPY` rows: the server checks the rows while the reader processes parse the next
        ones, instead of checking them all at the commit, when nothing else is left to do."""
        self.apart = connection.copy()
        self.writes.stream(self.apart)

    def end_writes(self, exc: BaseException | None = None) -> None:
        """Finish (or with `exc`, abandon) the open `COPY` and close the second connection: before the transaction
        ends or anything else is asked of the connection."""
        try:
            self.writes.close(exc)
        finally:
            if self.apart is not None:
                self.apart.close()

    def preparer(self) -> Preparer:
        """What makes a new member from its row (`fast.prep`): here, or in a reader process (`fast.reader`)."""
        if self._preparer is None:
            self._preparer = Preparer(
                columns=[f.attname for f in self.fields],
                dates=DATE_FIELDS,
                defaults=self.create_defaults,
                fields=_FIELD_SET,
                key=self.key,
                cipher=self.cipher,
                now=self.now,
                stored_now=connection.ops.adapt_datetimefield_value(self.now),
                today=self.today,
                copy=self.apart is not None,  # rows for the open `COPY` (`stream`), as its text
            )
        return self._preparer

    def chunks(self, sheet: Sheet, alone: bool):
        """The sheet's rows, parsed, a chunk at a time, by the reader processes (`fast.reader`), which also check
        what needs only the row and prepare the new members; on PostgreSQL, when the run has a transaction of its
        own, they are written through one open `COPY` (`stream`)."""
        if alone and connection.vendor == "postgresql":
            self.stream()
        codec = reader.RowCodec(
            sheet.mapping, self.EVERY_ROW, self.prepare_in_readers(), self.check_alone, Prepared._make
        )
        return reader.chunks_in_readers(sheet.sources, sheet.mapping, codec, rowparse.CHUNK)

    def prepare_in_readers(self):
        """What a reader process makes a chunk's new members with (`fast.reader`): when streaming, only the rows
        whose ID number the register does not hold (`Registered`, read here before the readers start, so they share
        it); the others are looked up, and made here if not found (`_prepare`). A re-imported file is then mostly
        compared, not made anew and thrown away."""
        prepare = self.preparer().many
        registered = self._registered.load(self.apart) if self.apart is not None else None
        return functools.partial(prepare, registered=registered) if registered else prepare

    def fail(self, row: Row, field: str, message: str) -> None:
        column = self.columns.get(field)
        row.errors.append(message)
        self.report.add_error(row.number, cell_message(row.number, column or "", message))

    # -- checks --------------------------------------------------------------------------------------------

    def _load_orgs(self, codes: set[str]) -> None:
        wanted = codes - self.orgs.keys()
        if not wanted:
            return
        found = Organization.objects.filter(code__in=wanted).only(*ORG_FIELDS)
        if self.apart is not None:
            found = _raw(found.values_list(*ORG_FIELDS), self.apart)
            found = [Organization.from_db(connection.alias, ORG_FIELDS, row) for row in found]
        for org in found:
            self.orgs[org.code] = org if allowed(self.user, org.path, Action.CHANGE) else None
        for code in wanted - self.orgs.keys():
            self.orgs[code] = None

    def _check_row(self, row: Row) -> None:
        values = row.values
        id_no = values.get("id_number")
        if id_no:
            first = self.seen.setdefault(id_no, row.number)
            if first != row.number:
                self.fail(row, "id_number", f"与第 {first} 行的公民身份号码重复")
        code = values.get("org_code")
        if code and self.orgs.get(code) is None:
            self.fail(row, "org_code", NOT_FOUND.format(code=code))

    def _check_rest(self, row: Row) -> None:
        """A row already wrong is still checked by the rules across fields, on what it gives, so the user learns
        what is wrong with it at once. The mobile member's destination is asked for only where the file has its
        column (else the member may have one); a value that failed to parse takes no part."""
        row.complete()
        given = dict(row.values)
        if "mobile_destination" not in row.present:
            given.pop("is_mobile", None)
        for field, message in member_problems(given, today=self.today, rules=ACROSS):
            self.fail(row, field, message)

    def _check_final(self, row: Row, member: dict) -> None:
        """The member rules across fields, on an existing member as it would be after the import (its values and the
        row's changes; the single values were checked as the cells were parsed)."""
        for field, message in member_problems(member, today=self.today, rules=ACROSS):
            self.fail(row, field, message)

    # -- one chunk -----------------------------------------------------------------------------------------

    def process(self, rows: list[Row]) -> None:
        self._load_orgs({row.values["org_code"] for row in rows if row.values.get("org_code")})
        for row in rows:
            self._check_row(row)
        digests = {
            row.number: row.prepared.id_digest if row.prepared else self.digest(row.values["id_number"])
            for row in rows
            if row.values.get("id_number")
        }
        wanted = set(digests.values())
        if self.apart is not None:
            wanted = self._registered.among(wanted, self.apart)
        existing = {m.id_number_digest: m for m in _by_digest(wanted, self.apart or connection)}
        self._prepare(
            [row for row in rows if not row.errors and row.number in digests and digests[row.number] not in existing]
        )
        creates: list[tuple[Organization, Prepared]] = []  # the new members, each made but for key and organization
        changing: list[tuple[int, dict[str, Any], Organization]] = []  # member id, changes, organization
        for row in rows:
            if row.errors:
                self._check_rest(row)
                continue
            if not row.values.get("id_number"):
                continue
            org = self.orgs[row.values["org_code"]]
            current = existing.get(digests[row.number])
            if current is None:
                new = row.prepared
                for field, message in new.problems:
                    self.fail(row, field, message)
                if not row.errors:
                    creates.append((org, new))
                continue
            if not allowed(self.user, current.org__path, Action.CHANGE):
                self.fail(row, "id_number", ELSEWHERE)
                continue
            row.complete()
            changes = self._changes(row, current)
            self._check_final(row, {**current._asdict(), **changes})
            if row.errors:
                continue
            if changes or current.org_id != org.pk:
                changing.append((current.id, changes, org))
            else:
                self.report.unchanged += 1
        if changing:
            self.writes.end_copy()  # the members that change are read through the connection
        updates = self._updates(changing)
        if self.report.errors or self.report.dry_run:
            # Nothing will be kept: count what would happen, write nothing.
            self.report.created += len(creates)
            self.report.updated += len(updates)
            return
        self.writes.write(creates, updates)
        self.report.created += len(creates)
        self.report.updated += len(updates)

    def _prepare(self, new: list[Row]) -> None:
        """The new members not prepared yet (rows parsed here, or left by a reader: `prepare_in_readers`), made
        together."""
        todo = [row for row in new if row.prepared is None]
        for row in todo:
            row.complete()  # from a reader, a row left unprepared came with only what every row needs
        if todo:
            for row, made in zip(todo, self.preparer().many([row.values for row in todo]), strict=True):
                row.prepared = made

    def _updates(self, changing: list[tuple[int, dict[str, Any], Organization]]) -> list:
        """The members that change, loaded as instances now (a re-imported file mostly finds members as they are,
        and those never become instances): each with its snapshot before, the organization it moves from and the
        fields that change."""
        if not changing:
            return []
        loaded = _members().in_bulk([pk for pk, _changes, _org in changing])
        updates = []
        for pk, changes, org in changing:
            member = loaded[pk]
            before = member_snapshot(member)
            moved_from = member.org if member.org_id != org.pk else None
            updates.append((member, before, moved_from, self._apply(member, changes, org)))
        return updates

    def _changes(self, row: Row, member) -> dict[str, Any]:
        """The file's values that differ from an existing member's (a row of LOOKED_UP). The phone is compared by
        its digest (nothing is decrypted); the ID number is the one the member was found by."""
        mine, theirs = self._compared(row.present)
        with contextlib.suppress(KeyError):  # a value the row lacks: the long way
            if mine(row.values) == theirs(member) and self._same_phone(row, member):
                return {}  # the usual re-imported row: every value as it is, compared at once
        changes: dict[str, Any] = {}
        for name in MEMBER_FIELDS:
            if name == "id_number" or (name not in row.present and name != "birth_date"):
                continue
            value = row.values.get(name)
            if value in ("", None):
                if name in KEEP_WHEN_BLANK:
                    continue
                value = None if isinstance(Member._meta.get_field(name), models.DateField) else ""
            if name == "phone":
                if self.digest(value) != member.phone_digest:
                    changes[name] = value
            elif getattr(member, name) != value:
                changes[name] = value
        return changes

    def _compared(self, present: frozenset[str]):
        """The values `_changes` compares one by one but the phone, taken from a row and from a member as two
        tuples (equal when nothing changes: a blank cell matches a blank value, and any other difference, even one
        a blank cell leaves alone, sends the row the long way)."""
        getters = self._getters.get(present)
        if getters is None:
            names = [n for n in MEMBER_FIELDS if n not in SEALED and (n in present or n == "birth_date")]
            getters = self._getters[present] = (operator.itemgetter(*names), operator.attrgetter(*names))
        return getters

    def _same_phone(self, row: Row, member) -> bool:
        return "phone" not in row.present or self.digest(row.values.get("phone") or "") == member.phone_digest

    def _apply(self, member: Member, changes: dict[str, Any], org: Organization) -> set[str]:
        """Set the changed values on an existing member; the names of the fields that really changed."""
        for name, value in changes.items():
            setattr(member, name, value)
        changed = set(changes)
        if member.org_id != org.pk:
            member.org = org
            changed.add("org")
        return changed

    def finish(self) -> None:
        """What the IMPORT record names: the change set (its digest) and the organization it is filed under."""
        self.changeset, self.org = self.writes.finish()

    def discard(self) -> None:
        """The import was not kept: its change set goes, which no record names."""
        self.writes.discard()


def _members():
    # Without the sealed values: nothing is decrypted that the import does not change (`_changes` compares digests).
    return Member.objects.select_related("org").defer("id_number", "phone").order_by()


# What `_changes` and the checks read of an existing member: its values as plain rows, no model instances.
LOOKED_UP = ("id", "id_number_digest", "phone_digest", "org_id", "org__path")
LOOKED_UP += tuple(name for name in MEMBER_FIELDS if name not in SEALED)


class Registered:
    """Which ID numbers the register may already hold, so that a large import looks up only those (`among`): the
    ID-number digests of every member, read once as 64-bit prefixes, when there are at most `LIMIT` (about 70 bytes
    each in memory, 35 MB at the limit; beyond, every row is looked up). A county's first load then looks up none
    of its members, which cost the database a quarter of a second per 100,000. A member registered meanwhile by
    someone else is not among them: its row is taken for a new member, and the register's unique index turns the
    import down whole, as it does for one registered between a chunk's lookup and its write."""

    LIMIT = 500_000

    def __init__(self) -> None:
        self.prefixes: set[int] | None = None
        self.read = False

    def load(self, using) -> set[int] | None:
        """The prefixes (`member_prep.prefix`), read at the first call; None for a register too large to hold."""
        if not self.read:
            self.prefixes, self.read = self._load(using), True
        return self.prefixes

    def among(self, digests: set[str], using) -> set[str]:
        prefixes = self.load(using)
        if prefixes is None:
            return digests
        return {digest for digest in digests if prefix(digest) in prefixes}

    def _load(self, using) -> set[int] | None:
        # PostgreSQL's estimate of the table's rows first (`stream` is PostgreSQL's): a large register is not read.
        with using.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Member._meta.db_table])
            (estimate,) = cursor.fetchone()
        if estimate > self.LIMIT:
            return None
        # The prefixes' hex digits only, a batch at a time: the whole digests as Python rows would take more memory
        # than the set they make.
        registered = Member.objects.exclude(id_number_digest="").order_by()
        heads = registered.values_list(Substr("id_number_digest", 1, PREFIX_DIGITS))[: self.LIMIT + 1]
        sql, params = heads.query.sql_with_params()
        prefixes: set[int] = set()
        count = 0  # rows, not prefixes: two members' digests may begin alike
        with using.cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(10_000):
                count += len(batch)
                prefixes.update(int(head, 16) for (head,) in batch)
        return prefixes if count <= self.LIMIT else None


def _raw(queryset, using) -> list[tuple]:
    """The rows of a `values_list` queryset read through another connection (`FastMemberImporter.stream`)."""
    sql, params = queryset.query.sql_with_params()
    with using.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _by_digest(digests: set[str], using):
    """The members with these ID-number digests, as named rows of LOOKED_UP.

    On PostgreSQL each digest is looked up in the index on its own (`LATERAL … OFFSET 0`, which the planner may not
    flatten into a join): with 2,000 digests in `= ANY(…)`, or joined, the planner estimates a large share of the
    table and reads all of it (a sequential scan per chunk, 20 ms at 100,000 members against 4 ms by the index),
    above all while an import fills a table whose statistics are still those of an empty one. The digests go as one
    comma-separated text (hex digits only), which costs psycopg nothing to send, instead of an array of 2,000."""
    if not digests:
        return []
    # Never blank: the partial unique index (`member_unique_id_number`) then serves, known to give one row at most.
    members = Member.objects.exclude(id_number_digest="").order_by().values_list(*LOOKED_UP)
    if using.vendor != "postgresql":
        return map(_Looked._make, members.filter(id_number_digest__in=digests))
    column = f"{Member._meta.db_table}.id_number_digest"
    inner, params = members.extra(where=[f"{column} = wanted.digest"]).query.sql_with_params()  # noqa: S610
    # The inner query is the ORM's, over the model's own names; the digests go as a parameter.
    sql = f"SELECT found.* FROM unnest(string_to_array(%s, ',')) AS wanted(digest), LATERAL ({inner} OFFSET 0) found"  # noqa: S608
    with using.cursor() as cursor:
        cursor.execute(sql, [",".join(digests), *params])
        return list(map(_Looked._make, cursor.fetchall()))


_Looked = collections.namedtuple("_Looked", LOOKED_UP)
