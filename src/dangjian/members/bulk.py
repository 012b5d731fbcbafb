"""The member register's bulk write path: what an import writes, a chunk at a time, inside the import's transaction.

New members arrive made but for their key and organization (`sheets.member_prep`: sealed, digested, their change-set
line ready) and are inserted as plain rows (`core.bulk_insert`; on PostgreSQL, while streaming, through one `COPY`
kept open from chunk to chunk); changed members by `bulk_update`, each move with its `MemberTransfer`. Each created
or updated member's before/after (as `services.member_snapshot` records it) goes into the run's change set
(`core.changesets`), which the run's one IMPORT audit record names and hashes (`finish`). The caller has asked
`members.rules` of every member it hands over and checked its scope: this module writes, it does not judge.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any, Protocol

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from dangjian.core.bulk_insert import CopyStream, insert_rows, reserve_ids
from dangjian.core.changesets import ChangeSetWriter
from dangjian.core.crypto import digest
from dangjian.orgs import tally
from dangjian.orgs.models import Organization

from . import rollups
from .models import Member, MemberTransfer
from .services import member_snapshot

DETAIL = "批量导入"  # the change set's detail of each member, and a transfer's reason


class NewMember(Protocol):
    """A new member as `sheets.member_prep.Prepared` carries it."""

    row: tuple | bytes  # its database values after key and organization (COPY text when streaming)
    line: bytes  # its change-set line, with `%d` slots for key, organization, key, organization


# (member loaded with its changes applied, its snapshot before, the organization it moves from or None, the fields
# that changed)
Update = tuple[Member, dict[str, Any], Organization | None, set[str]]


class BulkMemberWriter:
    """Writes an import's members chunk by chunk (`write`), then names its change set and organization (`finish`).

    `copied`: the member table's columns written after the key and the organization, in the order of the new members'
    rows. Streaming (`stream`) sends the new members through a `COPY` kept open for `rows_per_copy` rows at a time."""

    def __init__(self, *, actor, today, copied: list[str], rows_per_copy: int) -> None:
        self.actor = actor
        self.today = today  # the date of the transfers an import makes
        self.copied = copied
        self.rows_per_copy = rows_per_copy
        self.apart = None  # streaming: the second connection, which reserves the new members' keys
        self.changes: ChangeSetWriter | None = None  # opened at the first write (a dry run writes none)
        self.paths: set[str] = set()  # organizations written to or moved from: the IMPORT record's organization
        self._stream: CopyStream | None = None
        self._streamed = 0  # rows written through the open `COPY`
        self.created: list[int] = []  # the new members' keys: counted into the roll-ups at `finish`
        self.tallied: list[tuple[str, Counter]] = []  # the changed members' roll-up changes, added at `finish`

    def stream(self, apart) -> None:
        """Write new members through an open `COPY`, their keys reserved through `apart` (a second connection, which
        the caller closes). The organization's foreign key is made immediate for this transaction, so each `COPY`'s
        end checks its rows while the caller works on, instead of all of them at the commit."""
        self.apart = apart
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {connection.ops.quote_name(_org_foreign_key(cursor))} IMMEDIATE")

    def write(self, creates: list[tuple[Organization, NewMember]], updates: list[Update]) -> None:
        """Write a chunk: the updates first (through the connection, so the open `COPY` is finished before them),
        then the new members; in the change set the new members come first, as always."""
        now = timezone.now()
        entries = []
        if updates:
            self.end_copy()
            # Grouped by what changed: a member is written only in the fields that changed for it (its sealed
            # fields were not loaded, so writing an unchanged phone would mean reading each one first).
            groups: dict[frozenset[str], list[Member]] = {}
            for member, _before, _moved, fields in updates:
                member.updated_at = now
                if "phone" in fields:
                    member.phone_digest = digest(member.phone or "")  # as `Member.save`, which `bulk_update` skips
                    fields = fields | {"phone_digest"}
                groups.setdefault(frozenset(fields | {"updated_at"}), []).append(member)
            for fields, members in groups.items():
                Member.objects.bulk_update(members, sorted(fields), batch_size=500)
            transfers = []
            for member, before, moved_from, _fields in updates:
                was = rollups.member_keys(before["status"], before["is_mobile"], before["is_untransferred"])
                now_counted = rollups.keys_of(member)
                if moved_from is not None:
                    self.tallied += [(moved_from.path, tally.negated(was)), (member.org.path, now_counted)]
                elif now_counted != was:
                    self.tallied.append((member.org.path, tally.difference(now_counted, was)))
                detail = DETAIL
                if moved_from is not None:
                    detail = f"{DETAIL}，由“{moved_from.name}”转入“{member.org.name}”"
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
        self._insert(creates)
        if entries:
            self._changes_file().write(entries)

    def _insert(self, creates: list[tuple[Organization, NewMember]]) -> None:
        """Insert the new members, each as made with its organization (and, from the database, its key) put in, and
        write their change-set lines, made the same way."""
        if not creates:
            return
        columns = [Member._meta.get_field(name).column for name in ("org_id", *self.copied)]
        if self.apart is None:
            rows = ((org.pk, *new.row) for org, new in creates)  # built as the database takes the rows before
            ids = insert_rows(Member, columns, rows, with_ids=True, count=len(creates))
        else:
            ids = reserve_ids(Member, len(creates), self.apart)
            if self._stream is None:
                self._stream, self._streamed = CopyStream(Member, [Member._meta.pk.column, *columns]), 0
            self._stream.write_text(
                b"".join(b"%d\t%d\t%s\n" % (pk, org.id, new.row) for pk, (org, new) in zip(ids, creates, strict=True))
            )
            self._streamed += len(creates)
            if self._streamed >= self.rows_per_copy:
                self.end_copy()  # its rows checked now (`stream`)
        self.created.extend(ids)
        lines = [new.line % (pk, org.id, pk, org.id) for pk, (org, new) in zip(ids, creates, strict=True)]
        self.paths.update({org.path for org, _new in creates})
        self._changes_file().write_lines(lines, ids)

    def _changes_file(self) -> ChangeSetWriter:
        if self.changes is None:
            self.changes = ChangeSetWriter()
        return self.changes

    def _transfer(self, member: Member, from_org: Organization) -> MemberTransfer:
        actor = self.actor if self.actor is not None and self.actor.is_authenticated else None
        return MemberTransfer(
            member=member,
            from_org=from_org,
            to_org=member.org,
            from_name=from_org.name,
            to_name=member.org.name,
            date=self.today,
            reason=DETAIL,
            actor=actor,
        )

    def end_copy(self) -> None:
        """Finish the open `COPY`, if any: before anything else is asked of the connection."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def close(self, exc: BaseException | None = None) -> None:
        """Finish (or with `exc`, abandon) the open `COPY`: before the transaction ends."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close(exc)

    def finish(self) -> tuple[dict | None, Organization | None]:
        """Close the change set and give what the IMPORT record names: the change set (file, digest, rows, ids) and
        the nearest organization above every organization written to, so auditors of that subtree see it."""
        changeset = self.changes.close() if self.changes is not None else None
        self.tally()
        return changeset, common_org(self.paths)

    def tally(self) -> None:
        """Add the run's members to the roll-ups (`orgs.tally`), in the import's transaction: the changed ones as
        they were written, the new ones counted by organization and state once every `COPY` has ended."""
        self.end_copy()
        changes = list(self.tallied)
        for start in range(0, len(self.created), 10_000):
            rows = (
                Member.objects.filter(pk__in=self.created[start : start + 10_000])
                .order_by()
                .values_list("org__path", "status", "is_mobile", "is_untransferred")
                .annotate(n=Count("id"))
            )
            for path, status, mobile, untransferred, n in rows:
                counted = rollups.member_keys(status, mobile, untransferred)
                changes.append((path, Counter({key: one * n for key, one in counted.items()})))
        tally.apply_many(changes)
        self.created, self.tallied = [], []

    def discard(self) -> None:
        """The import was not kept: remove its change set, which no record names."""
        if self.changes is not None:
            self.changes.discard()
            self.changes = None


def _org_foreign_key(cursor) -> str:
    """The name of the constraint that holds each member's organization to an existing one."""
    column = Member._meta.get_field("org").column
    for name, info in connection.introspection.get_constraints(cursor, Member._meta.db_table).items():
        if info["foreign_key"] and info["columns"] == [column]:
            return name
    raise LookupError(f"no foreign key on {Member._meta.db_table}.{column}")


def common_org(paths: set[str]) -> Organization | None:
    """The deepest organization whose subtree holds every path (materialized paths end in "."); None if none."""
    if not paths:
        return None
    prefix = os.path.commonprefix(list(paths))
    prefix = prefix[: prefix.rfind(".") + 1]
    return Organization.objects.filter(path=prefix).first() if prefix else None
