"""The app's PostgreSQL connections run without JIT compiling (settings.py: it cost a province's capped counts
30–50 ms each), and an operator whose pooler or database refuses startup options can send none."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

PG_URL = "postgres://someone@db.example.invalid:5432/dangjian"  # only parsed, never reached


def settings_options(**env) -> dict:
    code = "import json, dangjian.settings as s; print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))"
    run_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DANGJIAN_PG_OPTIONS")}
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], env={**run_env, **env}, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_postgresql_connections_ask_for_jit_off_and_the_operator_can_send_nothing():
    assert settings_options(DATABASE_URL=PG_URL) == {"options": "-c jit=off"}
    assert settings_options(DATABASE_URL=PG_URL, DANGJIAN_PG_OPTIONS="") == {}
    assert settings_options(DATABASE_URL=PG_URL, DANGJIAN_PG_OPTIONS="-c jit=on") == {"options": "-c jit=on"}
    assert "options" not in settings_options()  # SQLite has no such setting


def test_the_connection_the_suite_runs_on_has_jit_off(db):
    if connection.vendor != "postgresql":
        assert "options" not in connection.settings_dict.get("OPTIONS", {})
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_paths_are_compared_byte_by_byte_on_postgresql(db):
    """core/collation.py: under the "C" collation the path's unique index serves a scope's LIKE and the tree's order
    (a province's branch page: 145 → 28 ms). A later change of the field must keep it (the migration is RunPython)."""
    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"  # SQLite compares bytes already (BINARY)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, collation_name FROM information_schema.columns WHERE column_name = 'path' "
            "AND table_name IN ('orgs_organization', 'assess_participant') ORDER BY table_name"
        )
        assert cursor.fetchall() == [("assess_participant", "C"), ("orgs_organization", "C")]


@pytest.mark.django_db(transaction=True)  # a table with pending constraint checks cannot be altered
def test_the_collation_step_leaves_the_paths_statistics_in_place(region):
    """Changing a column's type drops its statistics; without them a province's branch meeting list took 3.6 s. The
    step analyzes the column again (run here again on the suite's rows, as an upgrade runs it on a province's)."""
    from django.apps import apps as django_apps

    from dangjian.core.collation import byte_ordered

    operation = byte_ordered("orgs_organization", "path", 255)
    with connection.schema_editor() as editor:
        operation.code(django_apps, editor)
    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"  # nothing to change: the paths are as they were
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stats WHERE tablename = 'orgs_organization' AND attname = 'path' "
            "AND n_distinct <> 0"
        )
        assert cursor.fetchone()[0] == 1
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns WHERE table_name = 'orgs_organization' "
            "AND column_name = 'path'"
        )
        assert cursor.fetchone()[0] == "C"
