"""Large member files, the fast way: parsed in reader processes started from the fork server and, on PostgreSQL,
written through one open COPY with the lookups on a second connection. The outcome must be the plain importer's, to
the byte of every member."""

from __future__ import annotations

import datetime
import multiprocessing
import pickle

import pytest
from django.db import connection
from django.utils import timezone

from dangjian.core.changesets import read_rows
from dangjian.core.crypto import digest
from dangjian.members.models import Member
from dangjian.members.services import member_snapshot
from dangjian.sheets import imports, read, rowparse
from dangjian.sheets.fast import members as import_members
from dangjian.sheets.fast import reader
from dangjian.sheets.fast.prep import prefix
from dangjian.sheets.imports import run_import
from sheets_files import MEMBER_HEADERS, write_csv, write_xlsx

from conftest import id_number

# Committed data, as a real import sees it: the streaming path looks members up through a second connection.
pytestmark = pytest.mark.django_db(transaction=True)


def rows_of(count: int, first: int = 300, code: str = "T-VILLAGE", name: str = "党员") -> list[list]:
    return [[code, f"{name}{i}", "", id_number(first + i), "", f"139 0000 {i:04d}", "2010-07-01"] for i in range(count)]


def register() -> dict[str, dict]:
    """Every member as its audit snapshot, by ID number, without what differs between two runs (key, times)."""
    out = {}
    for member in Member.objects.select_related("org"):
        shown = member_snapshot(member)
        for name in ("id", "created_at", "updated_at"):
            shown.pop(name)
        out[member.id_number] = shown | {"phone": member.phone}
    return out


@pytest.fixture(autouse=True, params=[1, 2], ids=["one reader", "two readers"])
def readers(request, monkeypatch) -> int:
    """Every test with one reader process and with two taking the chunks in turn (as on a machine of two cores)."""
    monkeypatch.setattr(reader, "workers", lambda: request.param)
    return request.param


@pytest.fixture
def spied(monkeypatch):
    """What the run used: the reader processes and the streaming writer. The importer itself never parses a chunk
    the fast way (`fast.parse.chunks` fails here): the readers, processes of their own, do."""
    used = {"children": 0, "streams": 0}
    context = read.child_context()

    class Spying:
        def __getattr__(self, name):
            return getattr(context, name)

        def Process(self, *args, **kwargs):  # noqa: N802 - multiprocessing's name
            used["children"] += 1
            return context.Process(*args, **kwargs)

    def not_here(*args, **kwargs):
        raise AssertionError("parsed in the importing process")

    stream = import_members.FastMemberImporter.stream

    def counted(self):
        used["streams"] += 1
        return stream(self)

    monkeypatch.setattr(reader, "child_context", Spying)
    monkeypatch.setattr(reader, "chunks", not_here)
    monkeypatch.setattr(import_members.FastMemberImporter, "stream", counted)
    return used


def test_a_large_file_imports_the_same_either_way(region, tmp_path, monkeypatch, spied, readers):
    monkeypatch.setattr(rowparse, "CHUNK", 7)  # several chunks in flight
    rows = rows_of(40)
    rows[9][1] = "百分%d之\\"  # what the change-set line and the COPY text must escape
    rows[10].append("岗位\\N")  # a text that reads as NULL in COPY's text format unless escaped
    path = write_xlsx(tmp_path / "m.xlsx", [[*MEMBER_HEADERS, "工作岗位"], *rows])

    here = run_import("members", path, None)  # 40 rows: below FAST_FROM, the plain importer
    assert (here.created, here.errors, spied["streams"], spied["children"]) == (40, [], 0, 0)
    expected = register()
    Member.objects.filter(id_number_digest__in=[digest(id_number(300 + i)) for i in range(40)]).delete()

    monkeypatch.setattr(imports, "FAST_FROM", 10)
    started = timezone.now()
    apart = run_import("members", path, None)
    assert (apart.total, apart.created, apart.updated, apart.errors) == (40, 40, 0, [])
    assert register() == expected
    # The times went as text too: one moment for every member the run created, stored as that moment.
    times = set(Member.objects.filter(name__startswith="党员").values_list("created_at", "updated_at"))
    assert len(times) == 1 and started <= next(iter(times))[0] == next(iter(times))[1] <= timezone.now()
    assert spied["children"] == readers  # parsed in other processes
    odd = Member.objects.get(id_number_digest=digest(id_number(310)))
    assert (odd.job, Member.objects.get(id_number_digest=digest(id_number(309))).name) == ("岗位\\N", "百分%d之\\")
    assert spied["streams"] == (1 if connection.vendor == "postgresql" else 0)
    # The change set names each new member with its snapshot, as the importing process writes it.
    from dangjian.core.models import AuditAction, AuditLog

    record = AuditLog.objects.filter(action=AuditAction.IMPORT).latest("seq")
    lines = list(read_rows(record.after["changeset"]))
    assert len(lines) == 40
    for line in lines:
        member = Member.objects.get(pk=line["id"])
        assert line["action"] == "create" and line["org"] == member.org_id and line["repr"] == member.name
        assert line["after"] == member_snapshot(member)


def test_existing_members_are_updated_and_unchanged_ones_left_alone(region, tmp_path, monkeypatch, spied):
    monkeypatch.setattr(rowparse, "CHUNK", 5)
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    first = write_xlsx(tmp_path / "a.xlsx", [MEMBER_HEADERS, *rows_of(12)])
    assert run_import("members", first, None).created == 12
    changed = rows_of(12)
    changed[3][1] = "改名党员"  # one name changed
    changed[8][0] = "T-BIRCH"  # one member moves
    both = write_xlsx(tmp_path / "b.xlsx", [MEMBER_HEADERS, *changed, *rows_of(6, first=400)])
    report = run_import("members", both, None)
    assert (report.created, report.updated, report.unchanged, report.errors) == (6, 2, 10, [])
    assert Member.objects.get(id_number_digest=digest(id_number(303))).name == "改名党员"
    assert Member.objects.get(id_number_digest=digest(id_number(308))).org == region.birch
    assert Member.objects.filter(name__startswith="党员").count() == 17  # 12 + 6, less the renamed one
    again = run_import("members", both, None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 18)


def test_a_bad_row_after_written_chunks_leaves_nothing(region, tmp_path, monkeypatch, spied):
    monkeypatch.setattr(rowparse, "CHUNK", 4)
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    before = Member.objects.count()
    rows = rows_of(30)
    rows[25][3] = rows[25][3][:-1] + ("0" if rows[25][3][-1] != "0" else "1")  # a wrong check digit, row 28
    report = run_import("members", write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, *rows]), None)
    assert [e.row_number for e in report.errors] == [28]
    assert "校验码错误" in report.errors[0].message
    assert report.created == 0 and Member.objects.count() == before


def test_a_rule_across_fields_is_checked_on_prepared_members(region, tmp_path, monkeypatch, spied):
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    rows = rows_of(6)
    rows[2][6] = "1979-01-01"  # joined before birth (1980-01-01)
    report = run_import("members", write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, *rows]), None)
    assert [(e.row_number, e.message) for e in report.errors] == [(5, "第 5 行「入党日期」：入党日期应晚于出生日期")]
    assert not Member.objects.filter(name__startswith="党员").exists()


def test_a_file_that_breaks_off_in_the_reader_is_reported_and_writes_nothing(region, tmp_path, monkeypatch, spied):
    monkeypatch.setattr(rowparse, "CHUNK", 300)
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    # Beyond the first 64 KB that decide the encoding, after chunks already sent and written: bytes not UTF-8.
    path = write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, *rows_of(900, first=0, name="党员甲乙丙丁戊己庚辛壬癸")])
    assert path.stat().st_size > 65536
    path.write_bytes(path.read_bytes() + b"T-VILLAGE,\xff\xfe\xfa\n")
    before = Member.objects.count()
    report = run_import("members", path, None)
    assert [e.row_number for e in report.errors] == [0]
    assert "文件编码无法识别" in report.errors[0].message
    assert Member.objects.count() == before


def test_a_dry_run_counts_and_writes_nothing(region, tmp_path, monkeypatch, spied):
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    report = run_import("members", write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, *rows_of(9)]), None, dry_run=True)
    assert (report.created, report.errors) == (9, [])
    assert not Member.objects.filter(name__startswith="党员").exists()


def test_the_reader_keeps_dates_as_dates(region, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    rows = rows_of(3)
    rows[1][4] = datetime.date(1980, 1, 1)  # a date cell, travelling through the pipe
    report = run_import("members", write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, *rows]), None)
    assert (report.created, report.errors) == (3, [])
    assert Member.objects.get(id_number_digest=digest(id_number(301))).birth_date == datetime.date(1980, 1, 1)


def test_a_member_written_meanwhile_by_someone_else_is_a_conflict_and_nothing_is_kept(
    region, tmp_path, monkeypatch, spied
):
    # Another import commits a member with one of the file's ID numbers after this one looked it up: the database's
    # unique index refuses the second (mid-`COPY` on PostgreSQL), and the import reports a conflict, writing nothing.
    monkeypatch.setattr(rowparse, "CHUNK", 4)
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    rows = rows_of(10)
    Member.objects.create(org=region.birch, name="别处", gender="male", id_number=rows[6][3])
    monkeypatch.setattr(import_members, "_by_digest", lambda digests, using: [])  # looked up before it was there
    before = Member.objects.count()
    report = run_import("members", write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, *rows]), None)
    assert [e.message for e in report.errors] == ["写入时与其他操作冲突，全部未写入，请稍后重试。"]
    assert Member.objects.count() == before
    assert spied["streams"] == (1 if connection.vendor == "postgresql" else 0)


def test_only_id_numbers_the_register_may_hold_are_looked_up(region, tmp_path, monkeypatch, spied):
    monkeypatch.setattr(rowparse, "CHUNK", 5)
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    asked: list[int] = []
    by_digest = import_members._by_digest

    def counted(digests, using):
        asked.append(len(digests))
        return by_digest(digests, using)

    monkeypatch.setattr(import_members, "_by_digest", counted)
    path = write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, *rows_of(12)])
    assert run_import("members", path, None).created == 12
    streaming = connection.vendor == "postgresql"
    # A first load asks the database about none of its members (PostgreSQL: the register's digests read once).
    assert sum(asked) == (0 if streaming else 12)
    asked.clear()
    again = run_import("members", path, None)
    assert (again.created, again.unchanged, sum(asked)) == (0, 12, 12)
    # A register larger than the import will hold in memory: every row is looked up, with the same outcome.
    monkeypatch.setattr(import_members.Registered, "LIMIT", 5)
    asked.clear()
    both = write_xlsx(tmp_path / "b.xlsx", [MEMBER_HEADERS, *rows_of(12), *rows_of(3, first=500)])
    report = run_import("members", both, None)
    assert (report.created, report.unchanged, sum(asked)) == (3, 12, 15)


def test_every_copy_checks_its_organizations_and_a_missing_one_keeps_nothing(region, tmp_path, monkeypatch, spied):
    # The organization vanished after it was looked up (deleted meanwhile): its members' foreign key fails at the
    # end of the `COPY` that wrote them, before the commit, and nothing of the import is kept.
    monkeypatch.setattr(rowparse, "CHUNK", 4)
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    monkeypatch.setattr(import_members, "ROWS_PER_COPY", 6)  # a COPY ends every second chunk
    load = import_members.FastMemberImporter._load_orgs

    def vanished(self, codes):
        load(self, codes)
        if self.orgs.get("T-BIRCH") is not None:
            self.orgs["T-BIRCH"].pk = self.orgs["T-BIRCH"].id = 10**9

    monkeypatch.setattr(import_members.FastMemberImporter, "_load_orgs", vanished)
    rows = rows_of(20)
    rows[13][0] = "T-BIRCH"  # in the fourth chunk: the second COPY
    before = Member.objects.count()
    report = run_import("members", write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, *rows]), None)
    assert [e.message for e in report.errors] == ["写入时与其他操作冲突，全部未写入，请稍后重试。"]
    assert Member.objects.count() == before
    # The same file with the organization there: written through several COPYs, every member kept.
    monkeypatch.setattr(import_members.FastMemberImporter, "_load_orgs", load)
    report = run_import("members", write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, *rows]), None)
    assert (report.created, report.errors) == (20, [])
    assert Member.objects.get(id_number_digest=digest(id_number(313))).org == region.birch


def test_an_importer_that_fails_stops_its_readers(region, tmp_path, monkeypatch):
    monkeypatch.setattr(rowparse, "CHUNK", 3)
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    process = import_members.FastMemberImporter.process
    calls = []

    def failing(self, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("磁盘已满")
        return process(self, rows)

    monkeypatch.setattr(import_members.FastMemberImporter, "process", failing)
    before = Member.objects.count()
    with pytest.raises(RuntimeError, match="磁盘已满"):
        run_import("members", write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, *rows_of(60)]), None)
    assert multiprocessing.active_children() == []  # every reader stopped, none left parsing
    assert Member.objects.count() == before


def test_a_reader_is_given_what_it_needs_and_never_forked_from_the_importer(region, tmp_path, monkeypatch, spied):
    # Readers start from the fork server (never a fork of a process that may run a server's threads): what they
    # need goes pickled, the field key with the preparer, and they read the workbook's rows from a pipe of their own.
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    assert read.child_context().get_start_method() in ("forkserver", "spawn")
    taken = []
    chunks_in_readers = reader.chunks_in_readers

    def seen(sources, mapping, codec, size):
        taken.append(pickle.loads(pickle.dumps(codec)))  # noqa: S301 - as a reader takes it
        return chunks_in_readers(sources, mapping, codec, size)

    monkeypatch.setattr(reader, "chunks_in_readers", seen)
    rows = rows_of(3)
    report = run_import("members", write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, *rows]), None)
    assert (report.created, report.errors) == (3, [])
    [codec] = taken
    made = codec.prepare([{"id_number": rows[0][3], "name": "甲", "org_code": "T-VILLAGE", "phone": ""}])
    assert made[0].id_digest == digest(rows[0][3])  # the key came along, as settings give it


def test_a_row_the_register_seemed_to_hold_is_made_by_the_importer_when_not_found(region, tmp_path, monkeypatch, spied):
    # The readers leave to the importer the rows whose ID number the register may hold; one that turns out not to be
    # there (its member deleted since, or another's digest beginning the same) is made in the importer, the same.
    monkeypatch.setattr(rowparse, "CHUNK", 4)
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    rows = rows_of(10)
    load = import_members.Registered.load

    def seeming(self, using):
        registered = load(self, using)
        return None if registered is None else registered | {prefix(digest(rows[5][3]))}

    monkeypatch.setattr(import_members.Registered, "load", seeming)
    report = run_import("members", write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADERS, *rows]), None)
    assert (report.created, report.errors) == (10, [])
    member = Member.objects.get(id_number_digest=digest(rows[5][3]))
    assert (member.name, member.phone, member.id_number) == ("党员5", "13900000005", rows[5][3])
    from dangjian.core.models import AuditAction, AuditLog

    record = AuditLog.objects.filter(action=AuditAction.IMPORT).latest("seq")
    lines = {line["id"]: line for line in read_rows(record.after["changeset"])}
    assert len(lines) == 10 and lines[member.pk]["after"] == member_snapshot(member)
