"""Importing members in bulk: upsert by ID number (found by its keyed digest), chunk by chunk.

Per chunk: organizations looked up by code (cached for the run), existing members by digest in one query,
then bulk_create / bulk_update and one AuditLog per created or updated member, before/after as the member
services write them. The rules are those of the member form and services: the member's organization must be
within the user's CHANGE scope, and so must its current organization when the import moves it.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone

from dangjian.core.audit import record_many
from dangjian.core.crypto import digest
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member, MemberTransfer
from dangjian.members.services import MEMBER_FIELDS, member_snapshot
from dangjian.orgs.models import Organization

from . import normalize as N
from .columns import COLUMNS
from .imports import ImportReport, Row, allowed, cell_message

NOT_FOUND = "组织编码“{code}”不存在或不在您的管理范围内"
# Values a blank cell stands for when a member is created; on update a blank cell leaves these alone.
CREATE_DEFAULTS = {
    "ethnicity": "汉族",
    "status": MemberStatus.FULL,
    "is_mobile": False,
    "is_untransferred": False,
    "is_retired": False,
}
KEEP_WHEN_BLANK = {*CREATE_DEFAULTS, "gender"}


class MemberImporter:
    def __init__(self, user, report: ImportReport) -> None:
        self.user = user
        self.report = report
        self.columns = {c.field: c for c in COLUMNS["members"]}
        self.seen: dict[str, int] = {}  # ID number → the row it first appeared in (duplicates within the file)
        self.orgs: dict[str, Organization | None] = {}  # code → organization in scope, None if not usable
        self.today = datetime.date.today()

    def fail(self, row: Row, field: str, message: str) -> None:
        column = self.columns.get(field)
        row.errors.append(message)
        self.report.add_error(row.number, cell_message(row.number, column or "", message))

    # -- checks --------------------------------------------------------------------------------------------

    def _load_orgs(self, codes: set[str]) -> None:
        wanted = codes - self.orgs.keys()
        if not wanted:
            return
        found = Organization.objects.filter(code__in=wanted).only("id", "code", "name", "path", "kind")
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
            born = N.birth_date_of(id_no)
            if values.get("birth_date") and values["birth_date"] != born:
                self.fail(row, "birth_date", f"与公民身份号码中的出生日期 {born:%Y-%m-%d} 不一致")
            values["birth_date"] = born
        code = values.get("org_code")
        if code and self.orgs.get(code) is None:
            self.fail(row, "org_code", NOT_FOUND.format(code=code))

    def _check_final(self, row: Row, member: Member) -> None:
        """Rules across fields, on the member as it would be after the import (as the member form checks)."""
        if member.is_mobile and not member.mobile_destination:
            self.fail(row, "mobile_destination", "流动党员请填写流入地")
        if member.join_date and member.birth_date and member.join_date <= member.birth_date:
            self.fail(row, "join_date", "入党日期应晚于出生日期")
        if member.full_date and member.join_date and member.full_date < member.join_date:
            self.fail(row, "full_date", "转正日期不能早于入党日期")
        if member.join_date and member.join_date > self.today:
            self.fail(row, "join_date", "入党日期不能晚于今天")

    # -- one chunk -----------------------------------------------------------------------------------------

    def process(self, rows: list[Row]) -> None:
        self._load_orgs({row.values["org_code"] for row in rows if row.values.get("org_code")})
        for row in rows:
            self._check_row(row)
        digests = {digest(row.values["id_number"]) for row in rows if row.values.get("id_number")}
        existing = {
            m.id_number_digest: m
            for m in Member.objects.filter(id_number_digest__in=digests).select_related("org").order_by()
        }
        creates: list[Member] = []
        updates: list[tuple[Member, dict, Organization | None]] = []  # member, before, organization moved from
        changed_fields: set[str] = set()
        for row in rows:
            if row.errors or not row.values.get("id_number"):
                continue
            org = self.orgs[row.values["org_code"]]
            current = existing.get(digest(row.values["id_number"]))
            if current is None:
                member = self._new_member(row, org)
                self._check_final(row, member)
                if not row.errors:
                    creates.append(member)
                continue
            if not allowed(self.user, current.org.path, Action.CHANGE):
                self.fail(
                    row, "id_number", "该公民身份号码已登记，其所在党组织不在您的管理范围内；如需转入请办理组织关系转接"
                )
                continue
            before = member_snapshot(current)
            moved_from = current.org if current.org_id != org.pk else None
            fields = self._apply(row, current, org)
            self._check_final(row, current)
            if row.errors:
                continue
            if fields:
                updates.append((current, before, moved_from))
                changed_fields |= fields
            else:
                self.report.unchanged += 1
        if self.report.errors or self.report.dry_run:
            # Nothing will be kept: count what would happen, write nothing.
            self.report.created += len(creates)
            self.report.updated += len(updates)
            return
        self._write(creates, updates, changed_fields)

    def _new_member(self, row: Row, org: Organization) -> Member:
        values = row.values
        fields = {name: values[name] for name in MEMBER_FIELDS if name in values and values[name] not in ("", None)}
        for name, default in CREATE_DEFAULTS.items():
            fields.setdefault(name, default)
        fields.setdefault("gender", N.gender_of(values["id_number"]))
        return Member(org=org, **fields)

    def _apply(self, row: Row, member: Member, org: Organization) -> set[str]:
        """Set the file's values on an existing member; the names of the fields that really changed."""
        changed: set[str] = set()
        for name in MEMBER_FIELDS:
            if name not in row.present and name != "birth_date":
                continue
            value = row.values.get(name)
            if value in ("", None):
                if name in KEEP_WHEN_BLANK:
                    continue
                value = None if isinstance(Member._meta.get_field(name), models.DateField) else ""
            if getattr(member, name) != value:
                setattr(member, name, value)
                changed.add(name)
        if member.org_id != org.pk:
            member.org = org
            changed.add("org")
        return changed

    def _write(self, creates: list[Member], updates: list, changed_fields: set[str]) -> None:
        now = timezone.now()
        for member in creates:
            # bulk_create skips Member.save, which keeps the digests.
            member.id_number_digest = digest(member.id_number or "")
            member.phone_digest = digest(member.phone or "")
        Member.objects.bulk_create(creates, batch_size=1_000)
        audits = [
            {"action": AuditAction.CREATE, "actor": self.user, "obj": m, "org": m.org, "after": member_snapshot(m)}
            for m in creates
        ]
        if updates:
            members = [member for member, _before, _moved in updates]
            for member in members:
                member.updated_at = now
                member.id_number_digest = digest(member.id_number or "")
                member.phone_digest = digest(member.phone or "")
            fields = sorted(changed_fields | {"updated_at", "id_number_digest", "phone_digest"})
            Member.objects.bulk_update(members, fields, batch_size=500)
            transfers = []
            for member, before, moved_from in updates:
                detail = "批量导入"
                if moved_from is not None:
                    detail = f"批量导入，由“{moved_from.name}”转入“{member.org.name}”"
                    transfers.append(self._transfer(member, moved_from))
                audits.append(
                    {
                        "action": AuditAction.UPDATE,
                        "actor": self.user,
                        "obj": member,
                        "org": member.org,
                        "before": before,
                        "after": member_snapshot(member),
                        "detail": detail,
                    }
                )
            MemberTransfer.objects.bulk_create(transfers, batch_size=1_000)
        record_many(audits)
        self.report.created += len(creates)
        self.report.updated += len(updates)

    def _transfer(self, member: Member, from_org: Organization) -> MemberTransfer:
        actor = self.user if self.user is not None and self.user.is_authenticated else None
        return MemberTransfer(
            member=member,
            from_org=from_org,
            to_org=member.org,
            from_name=from_org.name,
            to_name=member.org.name,
            date=self.today,
            reason="批量导入",
            actor=actor,
        )

    def finish(self) -> None:
        pass
