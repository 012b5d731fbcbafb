"""Bulk inserts: the portable multi-row INSERT and PostgreSQL's COPY write the same rows and give the same keys."""

from __future__ import annotations

import datetime
import json
import os

import dj_database_url
import hypothesis
import psycopg
import pytest
from django.db import connection
from django.db.utils import ConnectionHandler
from hypothesis import strategies as st
from psycopg._copy_base import TextFormatter
from psycopg.adapt import Transformer

from dangjian.core.audit import _COLUMNS
from dangjian.core.bulk_insert import CopyStream, _copy, copy_rows, copy_text, insert_rows, insert_values
from dangjian.core.models import AuditLog

SERVER = os.environ.get("DANGJIAN_TEST_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
AT = datetime.datetime(2026, 11, 25, 8, 30, 1, 123456, tzinfo=datetime.UTC)
AFTER = {"名": 'a "quoted"\tvalue\nwith a backslash \\', "n": [1, 2], "none": None}


def rows(conn, first_seq: int, count: int = 3) -> list[tuple]:
    """AuditLog rows as `record_many` prepares them: tabs, newlines, backslashes, quotes, NULLs, JSON as text."""
    at = conn.ops.adapt_datetimefield_value(AT)
    out = []
    for i in range(count):
        values = {name: "" for name in _COLUMNS}
        values.update(
            seq=first_seq + i,
            at=at,
            user_id=None if i % 2 else 7,
            action="create",
            success=bool(i % 2),
            detail=f"第 {i} 行\t制表符\\反斜杠\n换行",
            org_id_snapshot=None,
            before=None,
            after=json.dumps(AFTER, ensure_ascii=False),
            hash=f"h{i}",
        )
        out.append(tuple(values[name] for name in _COLUMNS))
    return out


def stored(conn, ids: list[int]) -> list[tuple]:
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT id, seq, at, user_id, success, detail, before, after FROM core_auditlog WHERE id = ANY(%s)",
            [ids],
        )
        # The backends hand JSON columns back as text (Django parses it in the field): compare it parsed.
        return sorted((*r[:-1], json.loads(r[-1])) for r in cursor.fetchall())


def expected(ids: list[int], first_seq: int) -> list[tuple]:
    return [
        (pk, first_seq + i, AT, None if i % 2 else 7, bool(i % 2), f"第 {i} 行\t制表符\\反斜杠\n换行", None, AFTER)
        for i, pk in enumerate(ids)
    ]


@pytest.mark.django_db
def test_the_portable_insert_writes_every_value_and_returns_keys_in_row_order():
    ids = insert_rows(AuditLog, _COLUMNS, rows(connection, 1001), with_ids=True)
    assert len(ids) == 3 and ids == sorted(ids)
    found = {log.pk: log for log in AuditLog.objects.filter(pk__in=ids)}
    for i, pk in enumerate(ids):
        log = found[pk]
        assert (log.seq, log.at, log.success, log.after, log.before) == (1001 + i, AT, bool(i % 2), AFTER, None)
        assert log.detail == f"第 {i} 行\t制表符\\反斜杠\n换行"
    assert insert_rows(AuditLog, _COLUMNS, []) == []


@pytest.mark.django_db
def test_rows_from_a_generator_go_in_batch_by_batch_with_their_keys_in_order(monkeypatch):
    from dangjian.core import bulk_insert

    monkeypatch.setattr(bulk_insert, "MAX_ROWS", 2)  # five rows: batches of 2, 2 and 1
    made = []

    def generated():
        for row in rows(connection, 2001, count=5):
            made.append(row)
            yield row

    ids = insert_rows(AuditLog, _COLUMNS, generated(), with_ids=True, count=5)
    assert len(made) == 5 and len(ids) == 5 and ids == sorted(ids)
    seq_of = dict(AuditLog.objects.filter(pk__in=ids).values_list("pk", "seq"))
    assert [seq_of[pk] for pk in ids] == [2001, 2002, 2003, 2004, 2005]


@pytest.fixture
def own_postgres(django_db_blocker):
    """A PostgreSQL database of this test's own with the audit table, dropped afterwards."""
    name = f"dj_bulk_insert_{os.getpid()}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    handler = ConnectionHandler({"default": dj_database_url.parse(f"{SERVER}/{name}")})
    with django_db_blocker.unblock():
        conn = handler["default"]
        try:
            # Not atomic: the schema editor's atomic block is taken on the process's own connection of this alias
            # ("default"), which would open a session on the test database and leave it open to the end of the run
            # (PostgreSQL then cannot drop that database: "being accessed by other users").
            with conn.schema_editor(atomic=False) as editor:
                editor.create_model(AuditLog)
            yield conn
        finally:
            conn.close()
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_postgres_copy_and_the_portable_insert_write_the_same_rows(own_postgres):
    pg = own_postgres
    assert pg.vendor == "postgresql"
    by_copy = insert_rows(AuditLog, _COLUMNS, rows(pg, 1), with_ids=True, connection=pg)
    by_insert = insert_values(AuditLog, _COLUMNS, rows(pg, 11), with_ids=True, connection=pg)
    assert stored(pg, by_copy) == expected(by_copy, 1)
    assert stored(pg, by_insert) == expected(by_insert, 11)
    # Keys come from the same sequence whichever way the rows went in; COPY without keys writes as well.
    assert min(by_insert) > max(by_copy)
    assert _copy(AuditLog, _COLUMNS, rows(pg, 21), False, pg, 3) == []
    # A generator with its count: the keys are taken first, the rows built while COPY streams.
    by_stream = insert_rows(AuditLog, _COLUMNS, iter(rows(pg, 31)), with_ids=True, count=3, connection=pg)
    assert stored(pg, by_stream) == expected(by_stream, 31)
    with pg.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_auditlog")
        assert cursor.fetchone()[0] == 12


def test_copy_text_escapes_what_the_format_needs():
    at = datetime.datetime(2026, 12, 5, 9, 0, 1, 5, tzinfo=datetime.UTC)
    assert copy_text(["党员", None, True, False, 7, datetime.date(2016, 11, 16), at]) == (
        "党员\t\\N\tt\tf\t7\t2016-11-16\t2026-12-05 09:00:01.000005+00:00".encode()
    )
    # Tabs, line ends, carriage returns and backslashes in a value are escaped; a text "\N" is not a NULL.
    assert copy_text(["a\tb", "c\nd\re", "\\N", None]) == b"a\\tb\tc\\nd\\re\t\\\\N\t\\N"


def test_rows_given_by_column_are_the_copy_text_of_each_row():
    at = datetime.datetime(2026, 12, 5, 9, 0, 1, tzinfo=datetime.UTC)
    rows = [
        ("党员", None, True, 1, datetime.date(2016, 11, 16), at),
        ("", "x", False, 0, None, at),
        ("a\tb", "c\nd", "e\rf", -3, "\\N", "g\\h"),
    ]
    columns = [list(column) for column in zip(*rows, strict=True)]
    assert copy_rows(columns, 3) == [copy_text(row) for row in rows]
    assert copy_rows(columns, 3)[1] == b"\tx\tf\t0\t\\N\t2026-12-05 09:00:01+00:00"
    assert copy_rows([[], []], 0) == []


# Text with what COPY's format must escape, and the other kinds of values the importers write.
COPY_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(alphabet=st.sampled_from("a党\t\n\r\\N .,\"'")),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")),
)


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(rows=st.lists(st.tuples(COPY_VALUES, COPY_VALUES), max_size=6))
def test_copy_rows_are_what_psycopg_sends_row_by_row(rows):
    """The rows as `Copy.write_row` would send them, one after the other (its formatter, as a `COPY` holds it)."""
    sent = TextFormatter(Transformer())
    expected = b"".join([*(bytes(sent.write_row(row)) for row in rows), bytes(sent.end())])
    made = copy_rows([list(column) for column in zip(*rows, strict=True)] if rows else [[], []], len(rows))
    assert b"".join(line + b"\n" for line in made) == expected


def test_rows_as_copy_text_are_stored_as_their_values(own_postgres):
    pg = own_postgres
    tricky = rows(pg, 41)
    tricky[1] = tuple("\\N\r" if value == "" else value for value in tricky[1])  # every blank text: a "\N"
    stream = CopyStream(AuditLog, _COLUMNS, pg)
    stream.write_text(b"".join(copy_text(row) + b"\n" for row in tricky))
    stream.close()
    with pg.cursor() as cursor:
        columns = ", ".join(_COLUMNS)  # the model's own column names
        cursor.execute(f"SELECT {columns} FROM core_auditlog WHERE seq >= 41 ORDER BY seq")  # noqa: S608
        back = cursor.fetchall()

    def plain(row: tuple) -> tuple:  # JSON compared parsed, the time as the datetime it stands for
        return tuple(
            json.loads(v) if name == "after" else AT if name == "at" else v
            for name, v in zip(_COLUMNS, row, strict=True)
        )

    assert [plain(row) for row in back] == [plain(row) for row in tricky]
