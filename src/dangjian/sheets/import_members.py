"""Importing members, the plain way: the specification of what a member import does, one row at a time.

Each row, in the file's order: its cells parsed (`rowparse`, with the words of `members.rules` for a single bad
value); the birth date taken from the ID number (one given must agree with it); the import's own checks, which are
its key and scope: an ID number once per file, the organization known and within the user's CHANGE scope, and an
existing member's current organization within it too when the import moves the member; then `members.rules` on the
member as it would be after the import, and the members services write it: `create_member` for a new ID number,
`transfer_member` for a member whose organization changes (a transfer dated today, reason 批量导入) and
`update_member` for the fields that change. A blank cell leaves an existing member's gender, ethnicity, status and
yes/no fields as they are and gives a new member the creation default (`CREATE_DEFAULTS`); any other blank cell
clears the value. A row with problems is still checked by the rules across fields, on what it gives, so the user
learns everything wrong with it at once.

The services audit each member they write, as they do for the forms. The whole file is one transaction
(`imports.run_import`): one bad row and nothing is kept.

A large file goes the fast way (`sheets.fast.members`: reader processes, chunks, `COPY`, one change set instead
of a record per member), held to this importer by `tests/test_import_paths.py`: the same register, transfers,
before/after of each member and errors.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from dangjian.core import normalize as N
from dangjian.core.crypto import digest
from dangjian.core.scope import Action
from dangjian.members.bulk import DETAIL, common_org
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.members.rules import ACROSS, BIRTH_FROM_ID, member_problems
from dangjian.members.services import MEMBER_FIELDS, create_member, transfer_member, update_member
from dangjian.orgs.models import Organization

from .columns import COLUMNS
from .imports import ImportReport, Row, allowed, cell_message

NOT_FOUND = "组织编码“{code}”不存在或不在您的管理范围内"
ELSEWHERE = "该公民身份号码已登记，其所在党组织不在您的管理范围内；如需转入请办理组织关系转接"
# Values a blank cell stands for when a member is created; on update a blank cell leaves these alone.
CREATE_DEFAULTS = {
    "ethnicity": "汉族",
    "status": MemberStatus.FULL.value,
    "is_mobile": False,
    "is_untransferred": False,
    "is_retired": False,
}
KEEP_WHEN_BLANK = {*CREATE_DEFAULTS, "gender"}


class MemberImporter:
    """Imports a member file row by row (see the module's docstring)."""

    def __init__(self, user, report: ImportReport) -> None:
        self.user = user
        self.report = report
        self.columns = {c.field: c for c in COLUMNS["members"]}
        self.today = timezone.localdate()
        self.seen: dict[str, int] = {}  # ID number → the row it first appeared in
        self.orgs: dict[str, Organization | None] = {}  # code → organization in scope, None if not usable
        self.paths: set[str] = set()  # organizations written to or moved from
        self.org: Organization | None = None  # what the IMPORT record is filed under (`finish`)

    def fail(self, row: Row, field: str, message: str) -> None:
        row.errors.append(message)
        self.report.add_error(row.number, cell_message(row.number, self.columns.get(field) or "", message))

    def process(self, rows: list[Row]) -> None:
        for row in rows:
            self.import_row(row)

    def import_row(self, row: Row) -> None:
        values = row.values
        id_no = values.get("id_number")
        if id_no:
            if values.get("birth_date"):
                for field, message in member_problems(values, today=self.today, rules=(BIRTH_FROM_ID,)):
                    self.fail(row, field, message)
            values["birth_date"] = N.birth_date_of(id_no)
            first = self.seen.setdefault(id_no, row.number)
            if first != row.number:
                self.fail(row, "id_number", f"与第 {first} 行的公民身份号码重复")
        code = values.get("org_code")
        org = self._org(code) if code else None
        if code and org is None:
            self.fail(row, "org_code", NOT_FOUND.format(code=code))
        if row.errors:
            self._check_given(row)
            return
        member = Member.objects.select_related("org").filter(id_number_digest=digest(id_no)).first()
        if member is None:
            self._create(row, org)
        elif not allowed(self.user, member.org.path, Action.CHANGE):
            self.fail(row, "id_number", ELSEWHERE)
        else:
            self._update(row, member, org)

    def _org(self, code: str) -> Organization | None:
        if code not in self.orgs:
            org = Organization.objects.filter(code=code).first()
            self.orgs[code] = org if org is not None and allowed(self.user, org.path, Action.CHANGE) else None
        return self.orgs[code]

    def _check_given(self, row: Row) -> None:
        """The rules across fields on what a row with problems gives (a value that failed to parse is not given).
        The mobile member's destination is asked for only where the file has its column (else the member may have
        one)."""
        given = dict(row.values)
        if "mobile_destination" not in row.present:
            given.pop("is_mobile", None)
        self._check(row, given)

    def _check(self, row: Row, member: dict[str, Any]) -> bool:
        """The rules across fields on the member as it would be; whether it keeps them."""
        problems = member_problems(member, today=self.today, rules=ACROSS)
        for field, message in problems:
            self.fail(row, field, message)
        return not problems

    def _create(self, row: Row, org: Organization) -> None:
        given = {name: value for name, value in row.values.items() if name in MEMBER_FIELDS and value not in ("", None)}
        fields = {**CREATE_DEFAULTS, **given}
        fields.setdefault("gender", N.gender_of(fields["id_number"]))
        new = Member(org=org, **fields)
        if not self._check(row, {name: getattr(new, name) for name in MEMBER_FIELDS}):
            return
        if self._written(row, lambda: create_member(actor=self.user, org=org, **fields)):
            self.report.created += 1
            self.paths.add(org.path)

    def _update(self, row: Row, member: Member, org: Organization) -> None:
        changes = self._changes(row, member)
        after = {**{name: getattr(member, name) for name in MEMBER_FIELDS}, **changes}
        if not self._check(row, after):
            return
        moves = member.org_id != org.pk
        if not changes and not moves:
            self.report.unchanged += 1
            return

        def write() -> None:
            if moves:
                self.paths.add(member.org.path)
                transfer_member(member, org, actor=self.user, date=self.today, reason=DETAIL)
            if changes:
                update_member(member, actor=self.user, **changes)

        if self._written(row, write):
            self.report.updated += 1
            self.paths.add(org.path)

    def _changes(self, row: Row, member: Member) -> dict[str, Any]:
        """The file's values that differ from the member's: those of its columns, and the birth date (the ID
        number's). The ID number is the one the member was found by."""
        changes: dict[str, Any] = {}
        for name in MEMBER_FIELDS:
            if name == "id_number" or (name not in row.present and name != "birth_date"):
                continue
            value = row.values.get(name)
            if value in ("", None):
                if name in KEEP_WHEN_BLANK:
                    continue
                value = None if isinstance(Member._meta.get_field(name), models.DateField) else ""
            if getattr(member, name) != value:
                changes[name] = value
        return changes

    def _written(self, row: Row, write) -> bool:
        """Write through the services; what they refuse (nothing the checks above let through, if they agree with the
        services) is the row's problem, in their words."""
        try:
            write()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.fail(row, field, message)
            return False
        return True

    def finish(self) -> None:
        """The organization the IMPORT record is filed under: the nearest above every one written to."""
        self.org = common_org(self.paths)
