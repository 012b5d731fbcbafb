"""Reading a run's entries into the engine's rows (`engine.run_rows`) — the part of a run that reads the most.

Two ways, the same rows: the portable one reads one database row per entry (what the SQLite tests run); on
PostgreSQL a whole assessment is read as one row per participant, its entries packed by the database into a JSON
object {indicator: value} that orjson takes apart in native code (the few whose order matters are read again the
portable way). Five million entries through a cursor cost psycopg
several microseconds each, more than the rest of the run; packed, the database sends a twentieth of the rows.
"""

from __future__ import annotations

import orjson
from django.db import connection as default_connection

from .models import Entry, Participant

# One participant's entries as a JSON object {indicator: value}, and how many entries went into it. Unordered and
# with the codes quoted as they are: PostgreSQL before 16 sorts each participant's entries apart for an ordered
# aggregate, and `to_json` per entry costs as much again (together more than half of the read). Order matters only
# where an indicator was entered twice (several raters; a count entered again): `n` then differs from the number
# of keys, and such participants are read again entry by entry, in order (REREAD). So is one whose text is no valid
# JSON, which only a code holding a quote, a backslash or a control character can make.
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
WHERE p.assessment_id = %s
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
    loads = orjson.loads  # several times faster than the standard library's; invalid text raises ValueError too
    again = []  # participants to read entry by entry
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({PACKED.format(**tables)}) TO STDOUT", [assessment_id]) as copy:
            copy.set_types(["int8", "int8", "text"])
            for pid, count, text in copy.rows():
                slot = slots.get(pid)
                if slot is None:
                    continue
                row, index, group = slot
                codes = codes_of.get(id(group))
                if codes is None:
                    codes = codes_of[id(group)] = list(index)
                try:
                    values = loads(text)
                except ValueError:
                    again.append(pid)
                    continue
                if len(values) != count:  # an indicator entered twice: the order of its entries decides
                    again.append(pid)
                    continue
                row[:] = map(values.get, codes)  # the row in one C call
        for start in range(0, len(again), REREAD_CHUNK):
            cursor.execute(REREAD.format(**tables), [again[start : start + REREAD_CHUNK]])
            read_rows(cursor.fetchall(), slots)
