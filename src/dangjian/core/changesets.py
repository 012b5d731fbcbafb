"""Change sets: the per-member before/after of a bulk import, in one gzip'd JSON-lines file beside the audit log.

A bulk member import writes one IMPORT audit record instead of one record per member. That record's `after` names
the change set under `changeset`: the file's name, the SHA-256 of the file as written, its row count and the member
ids it touches (as ranges). `after` is one of the hashed fields, so the chain makes the file tamper-evident:
`check_changeset` recomputes the digest, and `verify_chain` does so for every IMPORT record it walks.

Each line of the file is one member: `{"id", "action" ("create"/"update"), "org", "repr", "before", "after",
"detail"}`, with before/after as the per-member records had them (`member_snapshot`: no clear ID number or phone).
Files live in `settings.DATA_DIR / "audit" / "changesets"` (`AUDIT_CHANGESET_DIR` overrides it, for tests) and
travel with backups (`core.backup`).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import itertools
import json
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings

from .handoff import Handoff

NAME = re.compile(r"[0-9a-f]{32}\.jsonl\.gz")  # what a record may name: nothing else is ever opened
MAX_RANGES = 2_000  # member id ranges kept in the record (the member page's "imported in"); beyond, only the file
BLOCK = 1 << 20


def _line(entry: dict[str, Any]) -> bytes:
    # orjson: the stdlib encoder spent more than the rest of writing the file (a tenth of a 100,000-row import).
    return orjson.dumps(entry, default=str)


def folder() -> Path:
    configured = getattr(settings, "AUDIT_CHANGESET_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "audit" / "changesets"


def path_of(name: str) -> Path:
    """The file a record names; ValueError for a name that is not one of ours (never a path elsewhere)."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValueError(f"变更集文件名不合法：{name!r}")
    return folder() / name


class _Hashing:
    """A file object that hashes what passes through it: the digest of the file is known once it is closed."""

    def __init__(self, raw) -> None:
        self.raw, self.sha = raw, hashlib.sha256()

    def write(self, data) -> int:
        self.sha.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


class ChangeSetWriter:
    """Writes one import's change set; `close()` gives what the IMPORT record must hash, `discard()` removes it.

    The file is written while the import's transaction is open; if the transaction does not commit, the caller
    discards it, so no file is left that no record names. Compressing, hashing and writing happen in a thread of
    their own (zlib, hashlib and the file release the interpreter while they work), so the import goes on with
    its next rows meanwhile; at most `QUEUED` blocks wait for it, which keeps memory bounded.
    """

    QUEUED = 4

    def __init__(self) -> None:
        directory = folder()
        directory.mkdir(parents=True, exist_ok=True)
        self.name = f"{uuid.uuid4().hex}.jsonl.gz"
        self.path = directory / self.name
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # personal data: owner only
        self._raw = os.fdopen(fd, "wb")
        self._hashing = _Hashing(self._raw)
        # Level 1: several times faster than the default and still a sixth of the text; mtime 0 keeps no clock.
        self._gz = gzip.GzipFile(fileobj=self._hashing, mode="wb", compresslevel=1, mtime=0)
        self.rows = 0
        self.ids: list[int] = []
        # Compressed and written by a thread of its own; a failure there is raised by the importer's next call.
        self._blocks = Handoff(self._gz.write, self.QUEUED, "changeset-writer")

    def _check(self) -> None:
        self._blocks.check()

    def _stop(self) -> None:
        self._blocks.close()

    def write(self, entries: list[dict[str, Any]]) -> None:
        """Append one JSON line per entry."""
        self._check()
        if entries:
            self._blocks.put(b"\n".join(map(_line, entries)) + b"\n")
            self.rows += len(entries)
            self.ids.extend(entry["id"] for entry in entries)

    def write_lines(self, lines: list[bytes], ids: list[int]) -> None:
        """Append lines already made (JSON of entries as `write` makes them, no line ends) for members `ids`."""
        self._check()
        if lines:
            self._blocks.put(b"\n".join(lines) + b"\n")
            self.rows += len(lines)
            self.ids.extend(ids)

    def close(self) -> dict[str, Any]:
        """Finish the file; the `changeset` value of the IMPORT record's `after`."""
        self._stop()
        self._check()
        self._gz.close()
        self._raw.close()
        ranges = id_ranges(self.ids)
        return {
            "file": self.name,
            "sha256": self._hashing.sha.hexdigest(),
            "rows": self.rows,
            "ids": ranges if len(ranges) <= MAX_RANGES else None,
        }

    def discard(self) -> None:
        try:
            self._stop()
            with contextlib.suppress(OSError, ValueError):  # a failed write may leave the stream unclosable
                self._gz.close()
            self._raw.close()
        finally:
            self.path.unlink(missing_ok=True)


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """Sorted ids as inclusive [first, last] ranges: a bulk create's keys come from one sequence, so a whole import
    is usually one range or a few."""
    ranges: list[list[int]] = []
    for _key, run in itertools.groupby(enumerate(sorted(set(ids))), key=lambda pair: pair[1] - pair[0]):
        values = [value for _index, value in run]
        ranges.append([values[0], values[-1]])
    return ranges


def in_ranges(member_id: int, ranges: list[list[int]] | None) -> bool:
    return bool(ranges) and any(first <= member_id <= last for first, last in ranges)


@dataclass(frozen=True)
class ChangeSetCheck:
    ok: bool
    problem: str = ""  # Chinese, for the chain's report and the detail page


def file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as src:
        while block := src.read(BLOCK):
            sha.update(block)
    return sha.hexdigest()


def changeset_of(after: Any) -> dict[str, Any] | None:
    """The `changeset` value of a record's `after`, if it names one."""
    if isinstance(after, dict) and isinstance(after.get("changeset"), dict):
        return after["changeset"]
    return None


def check_changeset(changeset: dict[str, Any]) -> ChangeSetCheck:
    """Whether the file a record names is there and unchanged (its SHA-256 as recorded)."""
    name = changeset.get("file")
    try:
        path = path_of(name)
    except ValueError as exc:
        return ChangeSetCheck(False, str(exc))
    if not path.is_file():
        return ChangeSetCheck(False, f"变更集文件 {name} 缺失")
    if file_digest(path) != changeset.get("sha256"):
        return ChangeSetCheck(False, f"变更集文件 {name} 被改动（校验值不符）")
    return ChangeSetCheck(True)


def read_rows(changeset: dict[str, Any], limit: int | None = None) -> Iterator[dict[str, Any]]:
    """The change set's rows in order, at most `limit`; nothing when the file is missing or unreadable."""
    try:
        path = path_of(changeset.get("file"))
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in itertools.islice(lines, limit):
                yield json.loads(line)
    except (OSError, ValueError, EOFError):
        return


def delete_files(names: Iterable[str]) -> None:
    """Remove the files of pruned records (the prune keeps only what its checkpoint still covers)."""
    for name in names:
        try:
            path_of(name).unlink(missing_ok=True)
        except ValueError:
            continue


LOOKBACK = 200  # the member page looks at the latest imports only: a cheap lookup, not a history search


def imports_of(member) -> list[dict[str, Any]]:
    """The latest bulk imports whose change set names `member` (by the id ranges in the IMPORT record), newest
    first. Only imports filed under an organization above the member's current one can be found this way; the
    auditor's search by organization and the change sets themselves hold the rest (docs/performance.md)."""
    from .models import AuditAction, AuditLog

    path = member.org.path
    # Records filed exactly at the member's organization or one above it (an index on org_path serves the match);
    # not those without organization: that is every login, far too many rows to sift on each page view.
    ancestors = [path[: i + 1] for i, ch in enumerate(path) if ch == "."]
    found = []
    records = (
        AuditLog.objects.filter(action=AuditAction.IMPORT, org_path__in=ancestors)
        .order_by("-seq")
        .values("seq", "at", "after")[:LOOKBACK]
    )
    for entry in records:
        changeset = changeset_of(entry["after"])
        if changeset is not None and in_ranges(member.pk, changeset.get("ids")):
            found.append({**entry, "file": entry["after"].get("file", "")})
    return found
