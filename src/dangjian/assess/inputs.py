"""Reading a run's entries into the engine's rows (`engine.run_rows`) — the part of a run that reads the most.

Two ways, the same rows: the portable one reads one database row per entry (what the SQLite tests run); on
PostgreSQL a whole assessment is read as one row per participant, its entries packed by the database into a JSON
object {indicator: value} that `json.loads` takes apart in C. Five million entries through a cursor cost psycopg
several microseconds each, more than the rest of the run; packed, the database sends a twentieth of the rows.
"""

from __future__ import annotations

import json

from django.db import connection as default_connection

from .models import Entry, Participant
from .scheme import Method

POINTS = (Method.GIVEN, Method.BONUS)  # the methods whose entries are points; deduction and penalty take counts

# One participant's entries as a JSON object, in the order the portable way reads them (by indicator, then as
# entered), so that for a key entered twice `json.loads` keeps the latest, as that way does; `n` counts the
# entries, which tells the participants with an indicator entered twice (several raters) from the others.
PACKED = """
SELECT e.participant_id, count(*),
       '{{' || string_agg(
           to_json(e.indicator)::text || ':' || coalesce(
               round(e.points * 100)::int::text,
               e.count::text,
               CASE WHEN e.flag THEN 'true' WHEN NOT e.flag THEN 'false' END,
               'null'
           ),
           ',' ORDER BY e.indicator, e.entered_at, e.id
       ) || '}}'
FROM {entry} e JOIN {participant} p ON p.id = e.participant_id
WHERE p.assessment_id = %s
GROUP BY e.participant_id
"""


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
    sql = PACKED.format(entry=Entry._meta.db_table, participant=Participant._meta.db_table)
    codes_of: dict[int, list[str]] = {}  # per group (by identity): its indicator codes in order
    loads = json.loads
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", [assessment_id]) as copy:
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
            if len(values) == count:  # each indicator entered once: the row in one C call
                row[:] = map(values.get, codes)
                continue
            # An indicator entered twice (several raters): entry by entry. A number is points or a count by the
            # indicator's method, as `services.enter` stores them.
            for indicator, value in loads(text, object_pairs_hook=list):
                j = index.get(indicator)
                if j is None or value is None:
                    continue
                if value.__class__ is bool:
                    place(row, j, None, None, value)
                elif group.indicators[j].method in POINTS:
                    place(row, j, value, None, None)
                else:
                    place(row, j, None, value, None)
