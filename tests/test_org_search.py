"""Organization search: the code prefix and the name asked apart (orgs/search.py) find what one `OR` query found,
in tree order, at most the page's limit; on PostgreSQL the name part is answered from the trigram index."""

from __future__ import annotations

import os
import random
from types import SimpleNamespace

import dj_database_url
import psycopg
import pytest
from django.db.models import Q
from django.db.utils import ConnectionHandler

from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.orgs.models import Organization
from dangjian.orgs.search import search

from conftest import make_org

SERVER = os.environ.get("DANGJIAN_TEST_PG_SERVER", "postgres://postgres@127.0.0.1:5432")


@pytest.fixture
def forest(region):
    """Branches whose codes and names overlap: codes T-A000.., names with 青松, codes that look like names' parts."""
    rng = random.Random(7)
    for n in range(90):
        parent = rng.choice([region.town, region.south, region.north])
        name = rng.choice(["青松村党支部", "青松社区党支部", "白桦村党支部", "T-A01工厂党支部", "红星村党支部"])
        make_org(parent, f"{name}{n}", f"T-A{n:03d}", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    return region


@pytest.mark.parametrize("q", ["T-A0", "T-A01", "T-A", "青松", "青松村党", "T-A01工厂", "村", "无此组织", "T-CITY"])
@pytest.mark.parametrize("limit", [5, 50])
def test_search_finds_what_the_single_or_query_found_in_tree_order(forest, q, limit):
    everyone = Organization.objects.all()
    expected = list(everyone.filter(Q(code__startswith=q) | Q(name__contains=q)).order_by("path")[:limit])
    assert search(everyone, q, limit) == expected


def test_search_stays_within_the_queryset_it_is_given(forest):
    north = Organization.objects.filter(path__startswith=forest.north.path)
    found = search(north, "T-A", 50)
    assert found and all(org.path.startswith(forest.north.path) for org in found)


@pytest.fixture
def own_postgres(django_db_blocker):
    """A PostgreSQL database of this test's own with an organization table of 30,000 rows."""
    name = f"dj_org_search_{os.getpid()}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    handler = ConnectionHandler({"default": dj_database_url.parse(f"{SERVER}/{name}")})
    with django_db_blocker.unblock():
        conn = handler["default"]
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    "CREATE TABLE orgs_organization AS SELECT n AS id, 'G' || lpad(n::text, 9, '0') AS code,"
                    " '第' || (n % 120) || '县第' || (n % 17) || '镇'"
                    " || (ARRAY['金星', '青松', '白桦', '红旗'])[n % 4 + 1]"
                    " || '村第' || n || '党支部' AS name FROM generate_series(1, 30000) AS n"
                )
            yield conn
        finally:
            conn.close()
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_on_postgresql_a_name_search_is_answered_from_the_trigram_index(own_postgres):
    from importlib import import_module

    migration = import_module("dangjian.orgs.migrations.0004_name_trigram_index")
    with own_postgres.cursor() as cursor:
        migration.create(None, SimpleNamespace(connection=own_postgres, execute=cursor.execute))
        cursor.execute("ANALYZE orgs_organization")
        cursor.execute("EXPLAIN SELECT id FROM orgs_organization WHERE name LIKE '%第1234党%'")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "org_name_trgm" in plan, plan


@pytest.mark.parametrize("q", ["青松", "白"])
def test_on_postgresql_a_search_too_short_for_trigrams_is_answered_from_the_pairs_index(own_postgres, q):
    from importlib import import_module

    from dangjian.core.textsearch import pairs

    migration = import_module("dangjian.orgs.migrations.0004_name_trigram_index")
    with own_postgres.cursor() as cursor:
        migration.create(None, SimpleNamespace(connection=own_postgres, execute=cursor.execute))
        cursor.execute("ANALYZE orgs_organization")
        found_by_pairs = (
            "SELECT count(*) FROM orgs_organization WHERE name LIKE %s AND dangjian_short_grams(name) @> %s::text[]"
        )
        cursor.execute("EXPLAIN " + found_by_pairs, [f"%{q}%", pairs(q)])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(found_by_pairs, [f"%{q}%", pairs(q)])
        found = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM orgs_organization WHERE name LIKE %s", [f"%{q}%"])
        assert found == cursor.fetchone()[0] > 0  # the pairs leave out no name that contains q
    assert "org_name_grams" in plan, plan


def test_the_pairs_of_a_search_are_its_adjacent_characters():
    from dangjian.core.textsearch import pairs

    assert pairs("王") == ["王"]
    assert pairs("朱晶") == ["朱晶"]
    assert pairs("鹿鸣村") == ["鸣村", "鹿鸣"]
    assert pairs("哈哈哈") == ["哈哈"]
