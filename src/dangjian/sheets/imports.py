"""Importing a list from Excel or CSV: all or nothing, within the importing user's scope, audited.

`run_import` reads the file lazily, parses and checks its rows a chunk at a time (rowparse.py, normalize.py), and
hands the chunks to the kind's importer (import_orgs.py, import_members.py), which looks existing records up and
writes through the services. A large member file goes the fast way instead (`sheets.fast`: reader processes,
chunks, `COPY`), held to the plain importer by tests. All of it happens in one transaction: one bad row anywhere
and the transaction is rolled back, so nothing is written; a dry run is rolled back too. Bad rows never raise: they
are collected, with the row number the user sees and a Chinese message naming the column, for the report and the
error sheet (`write_error_sheet`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from dangjian.core.audit import record
from dangjian.core.memory import no_cycle_collection
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action, acts_anywhere, path_in_scope

from .columns import COLUMNS, TITLES
from .error_sheet import write_error_sheet
from .fast import reader
from .limits import check_file
from .read import SheetError, open_sheet
from .rowparse import Row, cell_message, chunks

__all__ = [
    "ImportReport",
    "Row",
    "RowError",
    "allowed",
    "cell_message",
    "importable_kinds",
    "kind_action",
    "register_kind",
    "run_import",
    "write_error_sheet",
]

# From how many rows a member file goes the fast way (`sheets.fast`; the tests set it to 0 to run it on small files):
# below, the plain importer (the specification, which audits each member through the services) takes about as long
# as starting the fast way's reader processes (docs/performance.md). The rows of a file the limits' check does not
# count (.xls) are estimated from its size.
FAST_FROM = 50
ROW_BYTES = 100
Progress = Callable[[int, int | None], None]


@dataclass
class RowError:
    row_number: int  # the row number as the user sees it in the sheet (1-based, counting title/header rows)
    message: str  # Chinese, names the column: "第 7 行「公民身份号码」：校验码错误，应为 X"


@dataclass
class ImportReport:
    kind: str  # "orgs" | "members"
    dry_run: bool
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    header_rows: list[int] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)  # extra columns of the file, not imported
    seconds: float = 0.0
    # The messages of the first `listed` rows with problems are kept (the report, the error sheet, the job page);
    # the rows after are only counted: a file of a million bad rows must not become a million messages.
    listed: int = field(default_factory=lambda: settings.IMPORT_LISTED_ERROR_ROWS)
    listed_rows: set[int] = field(default_factory=set, repr=False)
    unlisted_rows: set[int] = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rejected(self) -> int:
        """Rows with problems, listed or not."""
        return len(self.listed_rows) + len(self.unlisted_rows)

    def add_error(self, row_number: int, message: str) -> None:
        if row_number and row_number not in self.listed_rows:
            if len(self.listed_rows) >= self.listed:
                self.unlisted_rows.add(row_number)
                return
            self.listed_rows.add(row_number)
        self.errors.append(RowError(row_number, message))

    def unlisted_note(self) -> str:
        """What the error sheet and the job page say of the rows not listed; "" when every one is."""
        if not self.unlisted_rows:
            return ""
        return (
            f"另有 {len(self.unlisted_rows)} 行有误未列出：只列出前 {self.listed} 行有误的行，"
            "请改正后重新导入以查看其余的行。"
        )

    def summary(self) -> str:
        what = TITLES.get(self.kind, self.kind)
        verb = "试导入（未写入）" if self.dry_run else "导入"
        head = f"{what}{verb}：共 {self.total} 行，新增 {self.created}，修改 {self.updated}，无变化 {self.unchanged}"
        if self.errors:
            more = f"（{self.unlisted_note()}）" if self.unlisted_rows else ""
            return f"{head}；有 {len(self.errors)} 处错误{more}，全部未写入。"
        return head + "。"


def allowed(user, path: str, action: str) -> bool:
    """Whether `user` may do `action` at `path`; no user is the system itself (commands without --as)."""
    return user is None or path_in_scope(user, path, action)


def _chunks_of(sheet, importer, alone: bool) -> Iterator[list[Row]]:
    """The sheet's rows, parsed, a chunk at a time: here, or as the fast importer makes them (`sheets.fast`)."""
    if hasattr(importer, "chunks"):
        return importer.chunks(sheet, alone)
    return chunks(sheet.rows, sheet.mapping)


def _end_writes(importer, exc: BaseException | None = None) -> None:
    end = getattr(importer, "end_writes", None)
    if end is not None:
        end(exc)


# Importers of the lists kept by apps above this one (stations, opinions, party records' meetings), registered by
# those apps through `register_kind`: the sheets framework sits below them and cannot import them itself.
IMPORTERS: dict[str, Callable] = {}
# The action a user needs on some organization to be offered a kind's import page at all (each row is then checked
# against the user's scope by the importer, with the action that row needs).
ACTIONS: dict[str, str] = {"orgs": Action.CHANGE, "members": Action.CHANGE}


def register_kind(kind: str, *, title: str, columns: list, importer: Callable, action: str = Action.CHANGE) -> None:
    """Make `kind` importable (`dangjian import KIND FILE`, its template, its page on the web): its columns, its
    title, and `importer(user, report)` giving an object with `process(rows)` and `finish()` like `OrgImporter`;
    `action` is what a user must be allowed somewhere to be offered the import (`importable_kinds`).

    The one way an app adds an import kind: called once per kind from the owning app's `AppConfig.ready()` (as
    stations, opinions and partylife do), never at import time of a module. The framework's own kinds (`orgs`,
    `members`) cannot be replaced; registering the same kind again (a test's reload) replaces it."""
    if kind in ("orgs", "members"):
        raise ValueError(f"import kind {kind!r} is the framework's own")
    COLUMNS[kind] = list(columns)
    TITLES[kind] = title
    IMPORTERS[kind] = importer
    ACTIONS[kind] = action


def kind_action(kind: str) -> str:
    """The action `kind`'s import asks of its user somewhere; KeyError for a kind nobody registered."""
    return ACTIONS[kind]


def importable_kinds(user) -> list[tuple[str, str]]:
    """(kind, title) of every list `user` may import, the framework's own first, then in registration order.
    A kind is offered when the user may do its action on some organization; each row is still checked."""
    return [(kind, TITLES[kind]) for kind, action in ACTIONS.items() if acts_anywhere(user, action)]


def _importer(kind: str, user, report: ImportReport, rows: int):
    if kind in IMPORTERS:
        return IMPORTERS[kind](user, report)
    if kind == "orgs":
        from .import_orgs import OrgImporter

        return OrgImporter(user, report)
    if kind == "members":
        if rows >= FAST_FROM:
            from .fast.members import FastMemberImporter

            return FastMemberImporter(user, report, readers=reader.workers())
        from .import_members import MemberImporter

        return MemberImporter(user, report)
    raise ValueError(f"unknown import kind {kind!r}")


def run_import(
    kind: str,
    path: Path | str,
    user,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import `path` as `kind` ("orgs" or "members") with `user`'s scope (None: full scope, for commands).

    Never raises for bad rows or an unreadable file: they are in `report.errors` (row 0 for the file itself).
    """
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}")
    started = time.monotonic()
    report = ImportReport(kind=kind, dry_run=dry_run)
    try:
        # The limits first, in seconds, before any reader sees the file (`limits`).
        rows = check_file(path)
        rows = rows if rows is not None else Path(path).stat().st_size // ROW_BYTES
        importer = _importer(kind, user, report, rows)
        sheet = open_sheet(path, COLUMNS[kind], copies=getattr(importer, "readers", 1), checked=True)
    except SheetError as exc:
        report.add_error(0, str(exc))
        return report
    report.header_rows = sheet.header_rows
    report.ignored_columns = sheet.ignored
    alone = not connection.in_atomic_block  # the run's transaction is its own: nothing uncommitted before it
    kept = False
    try:
        with no_cycle_collection(), transaction.atomic():
            try:
                # Closed on the way out, error or not: a reader process still parsing is stopped at once.
                with contextlib.closing(_chunks_of(sheet, importer, alone)) as chunks:
                    for chunk in chunks:
                        report.total += len(chunk)
                        for row in chunk:
                            for message in row.errors:
                                report.add_error(row.number, message)
                        importer.process(chunk)
                        if progress is not None:
                            progress(report.total, sheet.total)
            except BaseException as exc:
                _end_writes(importer, exc)
                raise
            _end_writes(importer)
            if not report.total:
                report.add_error(0, "文件中没有可导入的数据行（模板的示例行不会导入）。")
            if report.errors or dry_run:
                transaction.set_rollback(True)
            else:
                importer.finish()
                _record_import(kind, path, user, report, importer)
        kept = not report.errors and not dry_run  # committed
    except SheetError as exc:  # the file broke off half-way (bad encoding further down)
        report.add_error(0, str(exc))
    except IntegrityError:  # someone else wrote the same records meanwhile: nothing of ours was kept
        report.add_error(0, "写入时与其他操作冲突，全部未写入，请稍后重试。")
    finally:
        sheet.close()  # the process parsing the workbook, if it is still at it
        if not kept and hasattr(importer, "discard"):
            importer.discard()  # the member import's change set: no record names it
    if report.errors:
        report.created = report.updated = report.unchanged = 0
    report.errors.sort(key=lambda e: e.row_number)
    report.seconds = time.monotonic() - started
    return report


def _record_import(kind: str, path: Path | str, user, report: ImportReport, importer) -> None:
    """The run's IMPORT record. A member import's record also names its change set (file, SHA-256, rows, member ids:
    `core.changesets`), the one audit trail of each member it created or updated, and is filed under the nearest
    organization above all of them."""
    after = {
        "kind": kind,
        "file": Path(path).name,
        "total": report.total,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }
    if hasattr(importer, "changeset"):
        after["changeset"] = importer.changeset
    record(
        AuditAction.IMPORT,
        actor=user,
        org=getattr(importer, "org", None),
        detail=f"导入{TITLES[kind]}（{Path(path).name}）：共 {report.total} 行，新增 {report.created}，"
        f"修改 {report.updated}，无变化 {report.unchanged}",
        after=after,
    )
