"""Reading a run's entries into the engine's rows (`engine.run_rows`) — the part of a run that reads the most.

Two ways, the same rows: the portable one reads one database row per entry (what the SQLite tests run); on
PostgreSQL a whole assessment is read as one row per participant, its entries packed by the database into a JSON
object {indicator: value} that orjson takes apart in native code (the few whose order matters are read again the
portable way). Five million entries through a cursor cost psycopg
several microseconds each, more than the rest of the run; packed, the database sends a twentieth of the rows.
"""

from __future__ import annotations

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


def read_packed(assessment_id: int, slots: dict, *, connection=None) -> None:
    """PostgreSQL: every participant's entries of the assessment, packed (see PACKED), into `slots`."""
    connection = connection or default_connection
    tables = {"entry": Entry._meta.db_table, "participant": Participant._meta.db_table}
    codes_of: dict[int, list[str]] = {}  # per group (by identity): its indicator codes in order
    loads = orjson.loads  # several times faster than the standard library's
    codes = sorted({code for _row, index, _group in slots.values() for code in index})
    if not all(map(PLAIN.fullmatch, codes)):
        with connection.cursor() as cursor:
            _reread(cursor, tables, list(slots), slots)
        return
    again = []  # participants to read entry by entry
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({PACKED.format(**tables)}) TO STDOUT", [assessment_id, codes]) as copy:
            copy.set_types(["int8", "int8", "text"])
            for pid, count, text in copy.rows():
                slot = slots.get(pid)
                if slot is None:
                    continue
                row, index, group = slot
                codes = codes_of.get(id(group))
                if codes is None:
                    codes = codes_of[id(group)] = list(index)
                values = loads(text)
                if len(values) != count:  # an indicator entered twice: the order of its entries decides
                    again.append(pid)
                    continue
                row[:] = map(values.get, codes)  # the row in one C call
        _reread(cursor, tables, again, slots)


def _reread(cursor, tables: dict, pids: list[int], slots: dict) -> None:
    """These participants' entries the portable way: one row per entry, in order."""
    for start in range(0, len(pids), REREAD_CHUNK):
        cursor.execute(REREAD.format(**tables), [pids[start : start + REREAD_CHUNK]])
        read_rows(cursor.fetchall(), slots)
