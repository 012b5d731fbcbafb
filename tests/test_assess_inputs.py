"""Reading a run's entries: PostgreSQL's packed read and the portable one give the engine the same rows."""

from __future__ import annotations

import datetime
import os
from decimal import ROUND_HALF_UP, Decimal

import dj_database_url
import psycopg
import pytest
from django.db.utils import ConnectionHandler

from dangjian.assess import inputs
from dangjian.assess.schemefile import load_scheme

SERVER = os.environ.get("DANGJIAN_TEST_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
T0 = datetime.datetime(2026, 11, 25, 8, 0, tzinfo=datetime.UTC)

SCHEME_TEXT = """
year: 2026
name: 读取测试
groups:
  - domain: 农村
    categories:
      - name: 工作
        indicators:
          - {code: 'CODE', name: 工作成效, points: 70, method: given}
          - {code: R01, name: 三会一课, points: 10, method: deduction, per: 2}
          - {code: Y01, name: 民主评议, points: 20, method: yesno}
          - {code: B01, name: 表彰, points: 3, method: bonus}
"""
# A code JSON must escape (the whole scheme is then read entry by entry) and a plain one (read packed).
CODES = ['G"1', "G01"]

# (participant, indicator, points, count, flag, seconds after T0): several raters, a count entered twice, a code
# with a quote, an indicator of no group, an empty entry, one entry per indicator (participant 5: read packed, the
# others again entry by entry), an assessment of its own (participant 9).
ENTRIES = [
    (1, 'G"1', "61.50", None, None, 1),
    (1, 'G"1', "58.25", None, None, 2),
    (1, "R01", None, 3, None, 1),
    (1, "R01", None, 1, None, 5),
    (1, "Y01", None, None, True, 1),
    (1, "X99", "5.00", None, None, 1),
    (2, 'G"1', "70.00", None, None, 1),
    (2, "Y01", None, None, False, 3),
    (2, "Y01", None, None, True, 2),
    (2, "B01", "1.5", None, None, 1),
    (3, "R01", None, None, None, 1),
    (5, "B01", "0.5", None, None, 1),
    (5, "R01", None, 2, None, 2),
    (5, "Y01", None, None, True, 3),
    (9, 'G"1', "10.00", None, None, 1),
]


def empty_slots(pids, code='G"1'):
    group = load_scheme(SCHEME_TEXT.replace("CODE", code)).groups[0]
    index = {ind.code: j for j, ind in enumerate(group.indicators)}
    return {pid: ([None] * len(index), index, group) for pid in pids}


def entries(code: str):
    return [(pid, code if c == 'G"1' else c, *rest) for pid, c, *rest in ENTRIES]


@pytest.fixture(params=CODES)
def code(request):
    return request.param


@pytest.fixture
def own_postgres(django_db_blocker, code):
    """A PostgreSQL database of this test's own with the two tables the packed read touches, dropped afterwards."""
    name = f"dj_assess_inputs_{os.getpid()}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    handler = ConnectionHandler({"default": dj_database_url.parse(f"{SERVER}/{name}")})
    with django_db_blocker.unblock():
        conn = handler["default"]
        try:
            with conn.cursor() as cursor:
                cursor.execute("CREATE TABLE assess_participant (id bigint PRIMARY KEY, assessment_id bigint)")
                cursor.execute(
                    "CREATE TABLE assess_entry (id bigserial PRIMARY KEY, participant_id bigint, indicator text,"
                    " points numeric(7, 2), count integer, flag boolean, entered_at timestamptz)"
                )
                cursor.execute("INSERT INTO assess_participant VALUES (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (9, 2)")
                for pid, indicator, points, count, flag, after in entries(code):
                    cursor.execute(
                        "INSERT INTO assess_entry (participant_id, indicator, points, count, flag, entered_at)"
                        " VALUES (%s, %s, %s, %s, %s, %s)",
                        [pid, indicator, points, count, flag, T0 + datetime.timedelta(seconds=after)],
                    )
            yield conn
        finally:
            conn.close()
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def portable_rows(code):
    """The entries of assessment 1 as the portable read's query gives them: centipoints, by participant, indicator,
    then as entered."""
    ordered = sorted((e for e in entries(code) if e[0] != 9), key=lambda e: (e[0], e[1], e[5]))
    for pid, indicator, points, count, flag, _ in ordered:
        cents = int((Decimal(points) * 100).quantize(Decimal(1), ROUND_HALF_UP)) if points else None
        yield pid, indicator, cents, count, flag


def test_the_packed_read_gives_the_rows_the_portable_read_gives(own_postgres, code, monkeypatch):
    packed, portable = empty_slots([1, 2, 3, 4, 5], code), empty_slots([1, 2, 3, 4, 5], code)
    reread = []
    entry_by_entry = inputs._reread
    monkeypatch.setattr(
        inputs, "_reread", lambda c, t, pids, slots: (reread.extend(pids), entry_by_entry(c, t, pids, slots))
    )
    inputs.read_packed(1, packed, connection=own_postgres)
    # Entry by entry: the whole scheme when a code needs escaping, else only where an indicator was entered twice.
    assert sorted(reread) == ([1, 2, 3, 4, 5] if code == 'G"1' else [1, 2])
    inputs.read_rows(portable_rows(code), portable)
    assert {pid: slot[0] for pid, slot in packed.items()} == {pid: slot[0] for pid, slot in portable.items()}
    # Two raters' points as a list; the later count stands; a single rater's points and bonus as numbers.
    assert packed[1][0] == [[6150, 5825], 1, True, None]
    assert packed[2][0] == [7000, None, False, 150]
    assert packed[3][0] == packed[4][0] == [None, None, None, None]
    assert packed[5][0] == [None, 2, True, 50]


def test_the_portable_read_skips_indicators_of_no_group_and_unknown_participants():
    slots = empty_slots([1])
    inputs.read_rows([(1, "X99", 500, None, None), (7, 'G"1', 100, None, None), (1, 'G"1', 100, None, None)], slots)
    assert slots[1][0] == [100, None, None, None]
