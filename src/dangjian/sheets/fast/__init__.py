"""The member import's fast path: every device that only makes a large import faster, behind one boundary.

The plain importer (`sheets.import_members`: each row parsed, checked by `members.rules` and written by the members
services) is the specification. A member file of `imports.FAST_FROM` rows or more comes here instead, and
`tests/test_import_paths.py` holds the two to the same register, transfers, before/after of each member and errors.
What each device speeds up is measured in docs/performance.md (the section of 2026-12-05, fourth round), where it
is re-measured when the code changes; a device that gives less than about a tenth of the bench is removed.

Here, with what each gave when last measured (2026-12-05, fourth round, a loaded machine; docs/performance.md):

- `members.FastMemberImporter`: chunks of 2,000 rows, organizations and members looked up per chunk (on PostgreSQL
  through a second connection, by the index one digest at a time, only the rows whose ID number the register may
  hold: `Registered`), new members written through `members.bulk.BulkMemberWriter` (one `COPY` kept open on
  PostgreSQL) with one change set instead of an audit record per member; a re-imported row compared as one tuple.
  Against the plain importer: 100 rows 1.8 s against 4.1 s, 1,000 rows 3.1 s against 61 s; hence `FAST_FROM`;
- `reader`: reader processes (from the fork server) parse the chunks and prepare the new members while the importer
  looks up and writes the chunk before; chunks travel column by column (`RowCodec`). Without them the import took
  ×4.6–×5.0 of its floor against ×3.5–×4.7 (measured on the code before, which could run without); the second
  reader shows no gain on a loaded machine and took ×4.0 to ×3.3 with other changes on an idle one;
- `parse`: cells parsed column by column, each column's repeating cells remembered (held to `rowparse.RowParser`;
  measured 2026-11-25 with the converters built once per file: 100,000 rows 9 s → 1.1 s under the profiler);
- `prep`: new members made column by column (digests, seals, `COPY` text, change-set lines; held to the single-row
  ways by `tests/test_member_prep.py`, the rules by `tests/test_member_rules.py`; 15.5 → 11 µs a member, 2026-12-05).

Used from elsewhere, for the same purpose: `core.bulk_insert` (`COPY`, psycopg's row formatter on a chunk),
`core.crypto.Digester`/`Sealer` (keyed once for many values), `core.changesets` (the change set, written by a thread),
`core.handoff` (a thread sending or writing meanwhile), `core.memory.no_cycle_collection` (the cycle collector paused,
in the importer and in each reader: about a tenth of the import's CPU, 2026-12-05).

Nothing here may import Django's apps at module level but `members` (the readers start from the fork server
without them: `reader`, `parse` and `prep` need none).
"""
