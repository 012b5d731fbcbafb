"""Reading a run's entries into the engine's rows (`engine.run_rows`) — the part of a run that reads the most.

Two ways, the same rows: the portable one reads one database row per entry (what the SQLite tests run); on
PostgreSQL a whole assessment is read as one row per participant, its entries packed by the database into a JSON
object {indicator: value} that orjson takes apart in native code (the few whose order matters are read again the
portable way). Five million entries through a cursor cost psycopg
several microseconds each, more than the rest of the run; packed, the database sends a twentieth of the rows.
"""

from __future__ import annotations

import concurrent.futures
import re

import orjson
from django.db import connection as default_connection

from .models import Entry, Participant

# One participant's entries as a JSON object {indicator: value}, and how many entries went into it. Unordered and
# with the codes quoted as they are: PostgreSQL before 16 sorts each participant's entries apart for an ordered
# aggregate, and `to_json` per entry costs as much again (together more than half of the read). Order matters only
# where an indicator was entered twice (several raters; a count entered again): `n` then differs from the number
# of keys, and such participants are read again entry by entry, in order (REREAD).
# JSON. Only the codes of the scheme's groups are read (entries of other codes count nowhere, as in the portable
# read), and only when none of them needs escaping in JSON (a quote, a backslash, a control character); a scheme
# with such a code is read the portable way throughout.
PACKED = """
SELECT e.participant_id, count(*),
       '{{' || string_agg(
           '"' || e.indicator || '":' || coalesce(
               round(e.points * 100)::int::text,
               e.count::text,
               CASE WHEN e.flag THEN 'true' WHEN NOT e.flag THEN 'false' END,
               'null'
           ),
           ','
       ) || '}}'
FROM {entry} e JOIN {participant} p ON p.id = e.participant_id
WHERE p.assessment_id = %s AND e.indicator = ANY(%s)
GROUP BY e.participant_id
"""
# The portable read's query for some participants: by participant, indicator, then as entered.
REREAD = """
SELECT e.participant_id, e.indicator, round(e.points * 100)::int, e.count, e.flag
FROM {entry} e
WHERE e.participant_id = ANY(%s)
ORDER BY e.participant_id, e.indicator, e.entered_at, e.id
"""
REREAD_CHUNK = 5_000  # participants per query
TABLES = {"entry": Entry._meta.db_table, "participant": Participant._meta.db_table}
PLAIN = re.compile(r'[^"\\\x00-\x1f]*')  # text that JSON holds between quotes as it is


def place(row: list, j: int, cents, count, flag) -> None:
    """One entry into its organization's row: several raters' points make a list; a count or a yes/no is a fact,
    not an opinion, so the latest entry stands."""
    if cents is not None:
        scores = row[j]  # one rater's points as a number, several as a list (see engine.run)
        row[j] = cents if scores is None else [*scores, cents] if scores.__class__ is list else [scores, cents]
    elif count is not None:
        row[j] = count
    elif flag is not None:
        row[j] = bool(flag)


def read_rows(rows, slots: dict) -> None:
    """The portable way: `rows` of (participant id, indicator, centipoints, count, flag), by participant and
    indicator, then as entered; each placed into `slots[participant id]` = (row, indicator positions, group)."""
    last_pid, row, index = None, None, {}
    for pid, indicator, cents, count, flag in rows:
        if pid != last_pid:  # rows come by participant: look its row up once
            last_pid = pid
            row, index, _ = slots.get(pid, (None, {}, None))
        j = index.get(indicator)
        if j is not None:  # else not an indicator of the organization's group
            place(row, j, cents, count, flag)


def read_packed(assessment_id: int, slots: dict, *, connection=None, prefetched: Prefetch | None = None) -> None:
    """PostgreSQL: every participant's entries of the assessment, packed (see PACKED), into `slots`; `prefetched`:
    the packed rows, read meanwhile through another connection (`Prefetch`), if they could be."""
    connection = connection or default_connection
    codes = sorted({code for _row, index, _group in slots.values() for code in index})
    packed = prefetched.rows(codes) if prefetched is not None else None
    with connection.cursor() as cursor:
        if packed is None:
            if not all(map(PLAIN.fullmatch, codes)):
                _reread(cursor, TABLES, list(slots), slots)
                return
            packed = fetch_packed(cursor, assessment_id, codes)
        _reread(cursor, TABLES, place_packed(packed, slots), slots)


def fetch_packed(cursor, assessment_id: int, codes: list[str]) -> list[tuple[int, int, dict]]:
    """The packed rows (participant id, number of entries, {indicator: value}) of the assessment's entries of
    `codes`, every code plain (`PLAIN`)."""
    loads = orjson.loads  # several times faster than the standard library's
    with cursor.cursor.copy(f"COPY ({PACKED.format(**TABLES)}) TO STDOUT", [assessment_id, codes]) as copy:
        copy.set_types(["int8", "int8", "text"])
        return [(pid, count, loads(text)) for pid, count, text in copy.rows()]


def place_packed(packed: list[tuple[int, int, dict]], slots: dict) -> list[int]:
    """The packed rows into their participants' rows in `slots`; the participants to read again entry by entry
    (an indicator entered twice: the order of its entries decides, which the packed object does not keep)."""
    codes_of: dict[int, list[str]] = {}  # per group (by identity): its indicator codes in order
    again = []
    for pid, count, values in packed:
        slot = slots.get(pid)
        if slot is None:
            continue
        row, index, group = slot
        codes = codes_of.get(id(group))
        if codes is None:
            codes = codes_of[id(group)] = list(index)
        if len(values) != count:
            again.append(pid)
            continue
        row[:] = map(values.get, codes)  # the row in one C call
    return again


class Prefetch:
    """The packed read of a whole assessment, started before the participants are read and run meanwhile in a
    thread of its own, through a second connection: the database aggregates five million entries while this
    process reads the participants, the register's facts and lays the rows out.

    The second connection sees what is committed; a run starts one only when its transaction has written nothing
    before it (`services._nothing_written_yet`), so it sees what the run's own connection sees. Reads of one run
    were never one snapshot (each statement sees what is committed when it starts): this reads no less
    consistently."""

    def __init__(self, connection, assessment_id: int, codes: list[str]) -> None:
        self.codes = codes
        reading = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="assess-read")
        self._result = reading.submit(self._read, connection, assessment_id, codes)  # its error comes out in `rows`
        reading.shutdown(wait=False)  # the thread ends with the read

    @classmethod
    def start(cls, connection, assessment_id: int, codes: list[str]) -> Prefetch | None:
        if connection.vendor != "postgresql" or not codes or not all(map(PLAIN.fullmatch, codes)):
            return None
        return cls(connection, assessment_id, codes)

    @staticmethod
    def _read(connection, assessment_id: int, codes: list[str]) -> list[tuple[int, int, dict]]:
        apart = connection.copy()  # made in this thread: a Django connection belongs to the thread that opens it
        try:
            with apart.cursor() as cursor:
                return fetch_packed(cursor, assessment_id, codes)
        finally:
            apart.close()

    def rows(self, codes: list[str]) -> list[tuple[int, int, dict]] | None:
        """The packed rows, once read (an error of the read comes out here); None if `codes` are not all of those
        read (the caller then reads itself)."""
        packed = self._result.result()
        return packed if set(codes) <= set(self.codes) else None


def _reread(cursor, tables: dict, pids: list[int], slots: dict) -> None:
    """These participants' entries the portable way: one row per entry, in order."""
    for start in range(0, len(pids), REREAD_CHUNK):
        cursor.execute(REREAD.format(**tables), [pids[start : start + REREAD_CHUNK]])
        read_rows(cursor.fetchall(), slots)
