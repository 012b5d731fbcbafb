"""Importing members in bulk: upsert by ID number (found by its keyed digest), chunk by chunk.

Per chunk: organizations looked up by code (cached for the run), existing members by digest in one query,
new members inserted as plain rows (`core.bulk_insert`: no model instance per row, each ID number and phone
encrypted and digested once), changed ones by bulk_update, and each created or updated member's before/after
(as the member services record them) appended to the import's change set (`core.changesets`): one gzip'd
JSON-lines file that the run's single IMPORT audit record names and hashes, instead of one audit record per
member. The rules are those of the member form and services: the member's organization must be within the
user's CHANGE scope, and so must its current organization when the import moves it.
"""

from __future__ import annotations

import base64
import datetime
import operator
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection, models
from django.utils import timezone

from dangjian.core import crypto
from dangjian.core.bulk_insert import date_adapter, insert_rows
from dangjian.core.changesets import ChangeSetWriter
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
    "status": MemberStatus.FULL.value,
    "is_mobile": False,
    "is_untransferred": False,
    "is_retired": False,
}
KEEP_WHEN_BLANK = {*CREATE_DEFAULTS, "gender"}
_FIELD_SET = frozenset(MEMBER_FIELDS)
DATE_FIELDS = [f.attname for f in Member._meta.concrete_fields if type(f) is models.DateField]
SEALED = ("id_number", "phone")  # stored encrypted, each with a `<name>_digest` column beside it
# Audit snapshots leave the clear values out, as `member_snapshot` does.
SNAPSHOT_EXCLUDE = SEALED


class MemberImporter:
    def __init__(self, user, report: ImportReport) -> None:
        self.user = user
        self.report = report
        self.columns = {c.field: c for c in COLUMNS["members"]}
        self.seen: dict[str, int] = {}  # ID number → the row it first appeared in (duplicates within the file)
        self.orgs: dict[str, Organization | None] = {}  # code → organization in scope, None if not usable
        self.today = datetime.date.today()
        ring = crypto.keyring()
        self.key, self.cipher = ring.current, ring.cipher
        self.digest = crypto.Digester(self.key)  # `crypto.digest(value, self.key)`, faster for many values
        self.fields = [f for f in Member._meta.concrete_fields if not f.primary_key]
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.create_defaults = {**self.defaults, **CREATE_DEFAULTS}
        self.changes: ChangeSetWriter | None = None  # opened at the first write (a dry run writes none)
        self.paths: set[str] = set()  # organizations written to or moved from: the IMPORT record's organization
        self.changeset: dict | None = None  # what the IMPORT record names, once `finish` has closed the file
        self.org: Organization | None = None

    def sealer(self):
        """`crypto.seal` with the current key and cipher; for AES-GCM the cipher object is made once per run, not
        once per value (the same output: prefix, then base64 of nonce and sealed text)."""
        key, cipher = self.key, self.cipher
        if cipher != crypto.AES_GCM:
            return lambda value: crypto.seal(value, key, cipher)
        aead, head, urandom, b64 = AESGCM(key.aes), crypto.prefix(key, cipher), os.urandom, base64.urlsafe_b64encode

        def seal(value: str) -> str:
            if value == "":
                return ""
            nonce = urandom(crypto.NONCE)
            return head + b64(nonce + aead.encrypt(nonce, value.encode(), None)).decode()

        return seal

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

    def _check_final(self, row: Row, member: dict) -> None:
        """Rules across fields, on the member as it would be after the import (as the member form checks); `member`
        is the new member's values or an existing member's `vars()`."""
        get = member.get
        join, birth, full = get("join_date"), get("birth_date"), get("full_date")
        if get("is_mobile") and not get("mobile_destination"):
            self.fail(row, "mobile_destination", "流动党员请填写流入地")
        if join and birth and join <= birth:
            self.fail(row, "join_date", "入党日期应晚于出生日期")
        if full and join and full < join:
            self.fail(row, "full_date", "转正日期不能早于入党日期")
        if join and join > self.today:
            self.fail(row, "join_date", "入党日期不能晚于今天")

    # -- one chunk -----------------------------------------------------------------------------------------

    def process(self, rows: list[Row]) -> None:
        self._load_orgs({row.values["org_code"] for row in rows if row.values.get("org_code")})
        for row in rows:
            self._check_row(row)
        digests = {row.number: self.digest(row.values["id_number"]) for row in rows if row.values.get("id_number")}
        existing = {m.id_number_digest: m for m in _by_digest(set(digests.values()))}
        creates: list[dict] = []  # the new members' values, by attname
        changing: list[tuple[int, dict[str, Any], Organization]] = []  # member id, changes, organization
        for row in rows:
            if row.errors or not row.values.get("id_number"):
                continue
            org = self.orgs[row.values["org_code"]]
            current = existing.get(digests[row.number])
            if current is None:
                member = self._new_member(row, org)
                member["id_number_digest"] = digests[row.number]
                self._check_final(row, member)
                if not row.errors:
                    creates.append(member)
                continue
            if not allowed(self.user, current.org__path, Action.CHANGE):
                self.fail(
                    row, "id_number", "该公民身份号码已登记，其所在党组织不在您的管理范围内；如需转入请办理组织关系转接"
                )
                continue
            changes = self._changes(row, current)
            self._check_final(row, {**current._asdict(), **changes})
            if row.errors:
                continue
            if changes or current.org_id != org.pk:
                changing.append((current.id, changes, org))
            else:
                self.report.unchanged += 1
        updates = self._updates(changing)
        if self.report.errors or self.report.dry_run:
            # Nothing will be kept: count what would happen, write nothing.
            self.report.created += len(creates)
            self.report.updated += len(updates)
            return
        self._write(creates, updates)

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

    def _new_member(self, row: Row, org: Organization) -> dict:
        """A new member's values by attname, as `Member(org=org, **fields)` would hold them before saving: the
        model's defaults, then the creation defaults (`CREATE_DEFAULTS`), then the file's non-blank values."""
        values = row.values
        fields = {**self.create_defaults}
        fields.update({name: v for name, v in values.items() if name in _FIELD_SET and v is not None and v != ""})
        if values.get("gender") in ("", None):
            fields["gender"] = N.gender_of(values["id_number"])
        fields["org_id"] = org.pk
        fields["org"] = org
        return fields

    def _changes(self, row: Row, member) -> dict[str, Any]:
        """The file's values that differ from an existing member's (a row of LOOKED_UP). The phone is compared by
        its digest (nothing is decrypted); the ID number is the one the member was found by."""
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

    def _apply(self, member: Member, changes: dict[str, Any], org: Organization) -> set[str]:
        """Set the changed values on an existing member; the names of the fields that really changed."""
        for name, value in changes.items():
            setattr(member, name, value)
        changed = set(changes)
        if member.org_id != org.pk:
            member.org = org
            changed.add("org")
        return changed

    def _write(self, creates: list[dict], updates: list) -> None:
        now = timezone.now()
        entries = self._insert(creates, now)
        if updates:
            # Grouped by what changed: a member is written only in the fields that changed for it (its sealed
            # fields were not loaded, so writing an unchanged phone would mean reading each one first).
            groups: dict[frozenset[str], list[Member]] = {}
            for member, _before, _moved, fields in updates:
                member.updated_at = now
                if "phone" in fields:
                    member.phone_digest = self.digest(member.phone or "")
                    fields = fields | {"phone_digest"}
                groups.setdefault(frozenset(fields | {"updated_at"}), []).append(member)
            for fields, members in groups.items():
                Member.objects.bulk_update(members, sorted(fields), batch_size=500)
            transfers = []
            for member, before, moved_from, _fields in updates:
                detail = "批量导入"
                if moved_from is not None:
                    detail = f"批量导入，由“{moved_from.name}”转入“{member.org.name}”"
                    transfers.append(self._transfer(member, moved_from))
                    self.paths.add(moved_from.path)
                self.paths.add(member.org.path)
                entries.append(
                    {
                        "id": member.pk,
                        "action": "update",
                        "org": member.org_id,
                        "repr": member.name,
                        "before": before,
                        "after": member_snapshot(member),
                        "detail": detail,
                    }
                )
            MemberTransfer.objects.bulk_create(transfers, batch_size=1_000)
        if entries:
            if self.changes is None:
                self.changes = ChangeSetWriter()
            self.changes.write(entries)
        self.report.created += len(creates)
        self.report.updated += len(updates)

    def _insert(self, creates: list[dict], now: datetime.datetime) -> list[dict]:
        """Insert the new members as plain rows; their change-set entries, `after` as `member_snapshot` gives it."""
        if not creates:
            return []
        seal, digest = self.sealer(), self.digest
        adapt_date = date_adapter()
        dates_as_is = isinstance(adapt_date(self.today), datetime.date)  # PostgreSQL takes dates as they are
        stored_now, now_text = connection.ops.adapt_datetimefield_value(now), str(now)
        names = [f.attname for f in self.fields]
        row_of = operator.itemgetter(*names)
        shown = [name for name in names if name not in SNAPSHOT_EXCLUDE]
        shown_of = operator.itemgetter(*shown)
        snapshots = []

        def rows():
            # Built one by one as COPY takes them, so PostgreSQL files the rows before into its indexes meanwhile.
            for member in creates:
                id_number, phone = member["id_number"], member["phone"]
                member["phone_digest"] = digest(phone)
                after = {"id": None}  # first, as in `member_snapshot`; the key is known once inserted
                after.update(zip(shown, shown_of(member), strict=True))
                for name in DATE_FIELDS:
                    if member[name] is not None:
                        after[name] = str(member[name])
                        if not dates_as_is:
                            member[name] = adapt_date(member[name])
                after["created_at"] = after["updated_at"] = now_text
                snapshots.append(after)
                member["id_number"], member["phone"] = seal(id_number), seal(phone)
                member["created_at"] = member["updated_at"] = stored_now
                yield row_of(member)

        ids = insert_rows(Member, [f.column for f in self.fields], rows(), with_ids=True, count=len(creates))
        self.paths.update({member["org"].path for member in creates})
        entries = []
        for member, pk, after in zip(creates, ids, snapshots, strict=True):
            after["id"] = pk
            entries.append(
                {
                    "id": pk,
                    "action": "create",
                    "org": member["org_id"],
                    "repr": member["name"],
                    "before": None,
                    "after": after,
                    "detail": "批量导入",
                }
            )
        return entries

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
        """Close the change set (its digest goes into the IMPORT record) and find the organization the record is
        filed under: the nearest one above every organization written to, so auditors of that subtree see it."""
        if self.changes is not None:
            self.changeset = self.changes.close()
        self.org = _common_org(self.paths)

    def discard(self) -> None:
        """The import was not kept: remove its change set, which no record names."""
        if self.changes is not None:
            self.changes.discard()
            self.changes = None


def _members():
    # Without the sealed values: nothing is decrypted that the import does not change (`_changes` compares digests).
    return Member.objects.select_related("org").defer("id_number", "phone").order_by()


# What `_changes` and the checks read of an existing member: its values as plain rows, no model instances.
LOOKED_UP = ("id", "id_number_digest", "phone_digest", "org_id", "org__path")
LOOKED_UP += tuple(name for name in MEMBER_FIELDS if name not in SEALED)


def _by_digest(digests: set[str]):
    """The members with these ID-number digests, as named rows of LOOKED_UP. On PostgreSQL one array parameter
    (`= ANY(%s)`) instead of an IN list of 2,000: the client-side cursor splits and quotes each of those."""
    if not digests:
        return []
    members = Member.objects.order_by()
    if connection.vendor == "postgresql":
        column = f"{Member._meta.db_table}.id_number_digest"
        members = members.extra(where=[f"{column} = ANY(%s)"], params=[list(digests)])  # noqa: S610 - model's names
    else:
        members = members.filter(id_number_digest__in=digests)
    return members.values_list(*LOOKED_UP, named=True)


def _common_org(paths: set[str]) -> Organization | None:
    """The deepest organization whose subtree holds every path (materialized paths end in "."); None if none."""
    if not paths:
        return None
    prefix = os.path.commonprefix(list(paths))
    prefix = prefix[: prefix.rfind(".") + 1]
    return Organization.objects.filter(path=prefix).first() if prefix else None
