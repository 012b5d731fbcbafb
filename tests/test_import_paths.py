"""The member import's fast path (`sheets.fast`) held to the plain importer (`sheets.import_members`), which is the
specification: the same files give the same register, transfers, before/after of every member written, counts and
error reports either way. The plain way audits each member through the services; the fast way writes one change set
that the IMPORT record names. Their contents are compared where they are meant to agree."""

from __future__ import annotations

import datetime
import itertools

import hypothesis
import pytest
from hypothesis import strategies as st

from dangjian.core.changesets import read_rows
from dangjian.core.crypto import digest
from dangjian.core.models import AuditAction, AuditLog
from dangjian.members.models import Member, MemberTransfer
from dangjian.members.services import MEMBER_FIELDS, create_member
from dangjian.sheets import imports, rowparse
from dangjian.sheets.columns import COLUMNS
from dangjian.sheets.fast import members as fast_members
from dangjian.sheets.fast import reader
from dangjian.sheets.fast.parse import ColumnParser
from dangjian.sheets.fast.parse import chunks as fast_chunks
from dangjian.sheets.imports import run_import
from dangjian.sheets.rowparse import RowParser
from sheets_files import write_csv, write_xlsx

from conftest import id_number

# Committed data, as a real import sees it: the fast way looks members up through a second connection on PostgreSQL.
pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = [
    "所在党组织编码",
    "姓名",
    "性别",
    "公民身份号码",
    "出生日期",
    "民族",
    "学历",
    "联系电话",
    "党员状态",
    "入党日期",
    "转正日期",
    "流动党员",
    "流入地",
    "口袋党员",
    "离退休",
    "工作岗位",
]
FUTURE = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()


def idn(seq: int, birth: datetime.date = datetime.date(1980, 1, 1)) -> str:
    return id_number(500 + seq, birth)


def row(seq: int, code: str = "T-VILLAGE", **cells) -> list:
    """A full row for the member `seq`, cells overridden by header."""
    values = {
        "所在党组织编码": code,
        "姓名": f"党员{seq}",
        "性别": "男" if seq % 2 else "女",
        "公民身份号码": idn(seq),
        "出生日期": "",
        "民族": "汉族",
        "学历": "大学本科",
        "联系电话": f"1390000{seq:04d}",
        "党员状态": "正式党员",
        "入党日期": "2005-07-01",
        "转正日期": "2006-07-01",
        "流动党员": "否",
        "流入地": "",
        "口袋党员": "否",
        "离退休": "否",
        "工作岗位": "村民",
    }
    values.update(cells)
    return [values[header] for header in HEADERS]


# Existing members the files find (seq → organization code); 40 is outside the town user's scope.
EXISTING = {1: "T-VILLAGE", 2: "T-VILLAGE", 3: "T-VILLAGE", 4: "T-VILLAGE", 5: "T-VILLAGE", 6: "T-VILLAGE",
            7: "T-VILLAGE", 8: "T-BIRCH", 9: "T-VILLAGE", 10: "T-VILLAGE", 40: "T-SVILLAGE"}  # fmt: skip

GOOD = [
    # existing members
    row(1),  # unchanged
    row(2, 姓名="改了名"),
    row(3, 联系电话="13811112222"),
    row(4, 联系电话="139-0000-0004"),  # the same phone, typed otherwise: unchanged
    row(5, 性别="", 民族="", 党员状态="", 流动党员="", 口袋党员="", 离退休=""),  # blanks keep these: unchanged
    row(6, 入党日期="", 转正日期=""),  # blank dates clear them
    row(7, code="T-BIRCH"),  # moves
    row(8, code="T-VILLAGE", 工作岗位="百分之%d\\N"),  # moves back and changes
    row(9, 学历="", 工作岗位=""),  # blank texts clear them
    row(10, 流动党员="是", 流入地="深圳"),
    # new members
    row(11),
    [*["T-BIRCH", "简", "", idn(12, datetime.date(1990, 5, 17))], *[""] * 12],  # the least: defaults, ID's gender
    row(13, 姓名="王  芳", 联系电话="+86 138-0000-3333", 出生日期="1980年1月1日", 工作岗位="岗位\\N%"),
    row(14, 流动党员="是", 流入地="北京", 党员状态="预备党员", 转正日期=""),
    row(15, 学历="研究生", 民族="回族", 离退休="是", 口袋党员="是"),
]

BAD = [
    row(21, 公民身份号码=idn(21)[:17] + ("0" if idn(21)[17] != "0" else "1")),  # check digit
    row(22, 公民身份号码="12345"),
    row(23, 公民身份号码=""),
    row(24, 姓名=""),
    row(25, 性别="未知"),
    row(26, 入党日期="2016-13-40"),
    row(27, 入党日期="去年七月"),
    row(28, 联系电话="1380"),
    row(29, 姓名="名" * 51),
    row(30, code="NO-SUCH"),
    row(31, code="T-SVILLAGE"),  # out of the user's scope: as unknown
    row(40),  # registered in 南岭村, out of the user's scope
    row(32, 出生日期="1981-01-01"),  # not the ID number's
    row(33, 流动党员="是", 流入地=""),
    row(34, 入党日期="1979-01-01", 转正日期="1979-06-01"),  # before birth
    row(35, 入党日期="2010-07-01", 转正日期="2009-07-01"),
    row(36, 入党日期=FUTURE, 转正日期=""),
    row(37, 转正日期=FUTURE),
    row(38, code="NO-SUCH", 联系电话="1380", 入党日期="1979-01-01"),  # everything at once
    row(39, 公民身份号码="12345", 出生日期="1980-01-01", 转正日期="2004-07-01"),
    row(2, 转正日期="2004-07-01"),  # an existing member the change would break
    row(11),
    row(11, 姓名="又一个"),  # the same ID number twice
    [*["T-VILLAGE", "", "", ""], *[""] * 12],
]


def seed(region) -> None:
    """The existing members, as the files expect to find them."""
    orgs = {"T-VILLAGE": region.village, "T-BIRCH": region.birch, "T-SVILLAGE": region.south_village}
    for seq, code in EXISTING.items():
        create_member(
            actor=None,
            org=orgs[code],
            name=f"党员{seq}",
            gender="male" if seq % 2 else "female",
            id_number=idn(seq),
            birth_date=datetime.date(1980, 1, 1),
            ethnicity="汉族",
            education="bachelor",
            phone=f"1390000{seq:04d}",
            status="full",
            join_date=datetime.date(2005, 7, 1),
            full_date=datetime.date(2006, 7, 1),
            job="村民",
        )


@pytest.fixture
def seeded(region):
    seed(region)
    return region


def _reseed(region) -> None:
    """The register as the seeding left it: the files' members gone (their transfers with them), the existing ones
    made again."""
    ours = [idn(seq) for seq in range(60)] + [idn(12, datetime.date(1990, 5, 17))]
    Member.objects.filter(id_number_digest__in=[digest(number) for number in ours]).delete()
    seed(region)


def register() -> dict[str, dict]:
    """Every member by ID number: each field, its organization, its digests (not its key or times)."""
    out = {}
    for member in Member.objects.select_related("org"):
        values = {name: getattr(member, name) for name in MEMBER_FIELDS}
        out[member.id_number] = values | {
            "org": member.org.code,
            "id_number_digest": member.id_number_digest,
            "phone_digest": member.phone_digest,
        }
    return out


def transfers() -> list[tuple]:
    return sorted(
        MemberTransfer.objects.values_list("member__name", "from_name", "to_name", "date", "reason", "actor__username")
    )


def _shown(snapshot: dict | None) -> dict | None:
    """A member's snapshot without what differs between two runs: its key and times."""
    if snapshot is None:
        return None
    return {name: value for name, value in snapshot.items() if name not in ("id", "created_at", "updated_at")}


def audited(since: int) -> dict[str, tuple]:
    """Each member the import wrote, by name: its snapshot before and after (and the text it is shown by), from the
    per-member records of the plain way or the change set of the fast way."""
    records = AuditLog.objects.filter(seq__gt=since).order_by("seq")
    [summary] = [r for r in records if r.action == AuditAction.IMPORT]
    written: dict[str, list] = {}
    if "changeset" in summary.after:  # the fast way: one change set, or none when nothing changed
        assert not [r for r in records if r.object_type == "member"]
        for line in read_rows(summary.after["changeset"]) if summary.after["changeset"] else []:
            written[line["repr"]] = [line["before"], line["after"]]
    else:
        for r in records:
            if r.object_type == "member":
                written.setdefault(r.object_repr, [r.before, None])[1] = r.after
    return {name: (_shown(before), _shown(after)) for name, (before, after) in written.items()}


def outcome(path, user) -> dict:
    since = AuditLog.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    report = run_import("members", path, user)
    errors = [(e.row_number, e.message) for e in report.errors]
    result = {
        "counts": (report.total, report.created, report.updated, report.unchanged),
        "errors": errors,
        "register": register(),
        "transfers": transfers(),
    }
    if report.ok:
        summary = AuditLog.objects.get(action=AuditAction.IMPORT, seq__gt=since)
        result["filed under"] = summary.org_path
        result["summary"] = {k: v for k, v in summary.after.items() if k not in ("changeset", "file")}
        result["audited"] = audited(since)
    return result


@pytest.fixture(params=[1, 2], ids=["one reader", "two readers"])
def small_chunks(request, monkeypatch):
    """The fast way in several chunks, taken in turn by one reader or two, and several COPYs."""
    monkeypatch.setattr(rowparse, "CHUNK", 3)
    monkeypatch.setattr(fast_members, "ROWS_PER_COPY", 4)
    monkeypatch.setattr(reader, "workers", lambda: request.param)


@pytest.mark.parametrize("writer", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_both_ways_write_the_same_members_transfers_and_audit(seeded, tmp_path, monkeypatch, town_user, writer,
                                                               small_chunks):  # fmt: skip
    path = writer(tmp_path / f"good.{'csv' if writer is write_csv else 'xlsx'}", [HEADERS, *GOOD])
    plain = outcome(path, town_user)
    assert plain["counts"] == (15, 5, 7, 3) and plain["errors"] == []
    _reseed(seeded)
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    fast = outcome(path, town_user)
    assert fast["audited"] == plain["audited"]
    assert fast == plain
    assert len(plain["audited"]) == 12 and len(plain["transfers"]) == 2
    # And a second time: every row unchanged, nothing written, either way.
    again = outcome(path, town_user)
    monkeypatch.setattr(imports, "FAST_FROM", 10**9)
    assert outcome(path, town_user)["counts"] == again["counts"] == (15, 0, 0, 15)


@pytest.mark.parametrize("writer", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_both_ways_refuse_the_same_rows_in_the_same_words(seeded, tmp_path, monkeypatch, town_user, writer,
                                                           small_chunks):  # fmt: skip
    path = writer(tmp_path / f"bad.{'csv' if writer is write_csv else 'xlsx'}", [HEADERS, *GOOD, *BAD])
    before = register()
    plain = outcome(path, town_user)
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    fast = outcome(path, town_user)
    assert fast["errors"] == plain["errors"]
    assert fast == plain
    assert plain["register"] == before and plain["counts"] == (len(GOOD) + len(BAD), 0, 0, 0)
    # Every kind of problem is among them, each row told all that is wrong with it.
    first = len(GOOD) + (2 if writer is write_csv else 3)  # the header (and a title row above it in the xlsx)
    assert {number for number, _message in plain["errors"]} == set(range(first, first + len(BAD)))
    assert len(plain["errors"]) > len(BAD)


def test_both_ways_count_a_dry_run_alike_and_write_nothing(seeded, tmp_path, monkeypatch, town_user):
    path = write_csv(tmp_path / "good.csv", [HEADERS, *GOOD])
    before = register()
    plain = run_import("members", path, town_user, dry_run=True)
    monkeypatch.setattr(imports, "FAST_FROM", 0)
    fast = run_import("members", path, town_user, dry_run=True)
    counts = [(r.total, r.created, r.updated, r.unchanged, r.errors) for r in (plain, fast)]
    assert counts[0] == counts[1] == (15, 5, 7, 3, [])
    assert register() == before


# -- cells: parsed column by column (fast.parse) as one row at a time (rowparse) ------------------------------

MAPPING = dict(enumerate(COLUMNS["members"]))
CELL = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            " ",
            "男",
            "女",
            "未知",
            "是",
            "否",
            "1",
            "0",
            "汉族",
            "大学本科",
            "预备党员",
            "正式党员",
            "2016-11-16",
            "2016-13-40",
            "1990年5月17日",
            "19800101",
            "42690",
            "T-VILLAGE",
            "Ｔ-VILLAGE",
            "13800001111",
            "138-0000-1111",
            "1380",
            "王  芳",
            "名" * 51,
            idn(1),
            idn(1).lower(),
            "12345",
            "岗位\\N%",
        ]
    ),  # fmt: skip
    st.integers(min_value=-5, max_value=50_000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 1, 1)),
    st.text(max_size=60),
)
ROWS = st.lists(st.lists(CELL, min_size=len(MAPPING), max_size=len(MAPPING)), max_size=25)


@hypothesis.settings(max_examples=150, deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow])
@hypothesis.given(chunks=st.lists(ROWS, min_size=1, max_size=3))
def test_cells_parsed_column_by_column_are_the_rows_parsed_one_by_one(chunks):
    plain, fast = RowParser(MAPPING), ColumnParser(MAPPING)  # one parser for every chunk: its memory carries over
    numbers = itertools.count(3)
    for cells in chunks:
        raws = [tuple(row) for row in cells]
        taken = [next(numbers) for _ in raws]
        expected = [plain.parse_raw(number, raw) for number, raw in zip(taken, raws, strict=True)]
        assert fast.parse_many(taken, raws) == expected


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(
    cells=st.lists(st.lists(CELL, min_size=len(MAPPING), max_size=len(MAPPING)), max_size=30),
    blank=st.sets(st.integers(min_value=0, max_value=29)),
    size=st.integers(min_value=1, max_value=7),
    parts=st.integers(min_value=1, max_value=3),
)
def test_the_chunks_of_the_fast_way_are_those_of_the_plain_way(cells, blank, size, parts):
    example = [column.example for column in MAPPING.values()]
    rows = [(k + 3, [None] * len(MAPPING) if k in blank else list(c)) for k, c in enumerate(cells)]
    rows.insert(len(rows) // 2, (2, example))  # the template's example row, left in: skipped
    original = rowparse.CHUNK
    rowparse.CHUNK = size
    try:
        expected = list(rowparse.chunks(iter(rows), MAPPING))
    finally:
        rowparse.CHUNK = original
    # Each reader parses every `parts`-th chunk; taken in turn they are the plain way's chunks.
    per_part = [list(fast_chunks(iter(rows), MAPPING, part, parts, size)) for part in range(parts)]
    taken = [chunk for turn in itertools.zip_longest(*per_part) for chunk in turn if chunk is not None]
    assert taken == expected


def test_the_fast_way_is_taken_from_the_threshold_on(region, tmp_path, monkeypatch):
    used = []
    fast_process = fast_members.FastMemberImporter.process

    def counted(self, rows):
        used.append(len(rows))
        return fast_process(self, rows)

    monkeypatch.setattr(fast_members.FastMemberImporter, "process", counted)
    path = write_csv(tmp_path / "m.csv", [HEADERS, row(11), row(13)])  # three lines
    monkeypatch.setattr(imports, "FAST_FROM", 4)
    assert run_import("members", path, None).created == 2 and used == []
    Member.objects.filter(id_number_digest__in=[digest(idn(11)), digest(idn(13))]).delete()
    monkeypatch.setattr(imports, "FAST_FROM", 3)
    assert run_import("members", path, None).created == 2 and used == [2]
