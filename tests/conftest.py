"""Personas in one base: a small city built through the real services, and the people who use it.

示范市委 ─┬─ 漠北县委 ── 松岭镇党委 ─┬─ 青松村党支部 (3 members)
          │                        └─ 白桦村党支部 (1 member)
          └─ 南岭县委 ── 南岭村党支部 (1 member)        ← the other county: county users see nothing of it
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from dangjian.accounts.models import Role
from dangjian.accounts.security import set_password
from dangjian.accounts.services import grant_org
from dangjian.core.citizen_id import check_digit
from dangjian.members.services import create_member
from dangjian.orgs.choices import Domain, Level, OrgKind, Post
from dangjian.orgs.models import Organization
from dangjian.orgs.services import create_org, set_post

# The property tests run beside the browser and server tests on a two-core machine: time is not what they check
# (speed is measured in bench/), so neither a slow example nor slow input generation fails them.
hypothesis_settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("suite")

PASSWORD = "persona-2026"

# Tests in this process keep the cache in its memory: the shared cache (core/shared_cache.py, a connection of its
# own) would sit outside each test's transaction and add queries to the pinned counts. What several processes share
# through it is shown by tests/test_shared_state.py, with real servers and a worker.
django_settings.DATABASES.pop("cache", None)
django_settings.CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


def id_number(seq: int, birth: datetime.date = datetime.date(1980, 1, 1)) -> str:
    """A well-formed ID number in the unused area 99, unique by `seq` (0–999: the three digits of the sequence)."""
    assert 0 <= seq < 1000, f"seq {seq} needs more than the ID number's three sequence digits"
    body = f"990101{birth:%Y%m%d}{seq:03d}"
    return body + check_digit(body)


def make_org(parent, name, code, kind, level, domain="", **extra) -> Organization:
    return create_org(actor=None, parent=parent, name=name, code=code, kind=kind, level=level, domain=domain, **extra)


def make_member(org, name, seq, **extra):
    fields = {
        "gender": "male" if seq % 2 else "female",
        "birth_date": datetime.date(1980, 1, 1),
        "join_date": datetime.date(2005, 7, 1),
        "id_number": id_number(seq),
    } | extra
    return create_member(actor=None, org=org, name=name, **fields)


@dataclass
class Region:
    city: Organization
    north: Organization
    town: Organization
    village: Organization
    birch: Organization
    south: Organization
    south_village: Organization


@pytest.fixture
def region(db) -> Region:
    city = make_org(None, "示范市委", "T-CITY", OrgKind.CITY_COMMITTEE, Level.CITY)
    north = make_org(city, "漠北县委", "T-NORTH", OrgKind.COUNTY_COMMITTEE, Level.COUNTY)
    town = make_org(north, "松岭镇党委", "T-TOWN", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    village = make_org(town, "青松村党支部", "T-VILLAGE", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    birch = make_org(town, "白桦村党支部", "T-BIRCH", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    south = make_org(city, "南岭县委", "T-SOUTH", OrgKind.COUNTY_COMMITTEE, Level.COUNTY)
    south_village = make_org(south, "南岭村党支部", "T-SVILLAGE", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    for seq, name in enumerate(["王春生", "李秋实", "赵冬梅"], start=1):
        make_member(village, name, seq)
    make_member(birch, "孙白桦", 4)
    make_member(south_village, "欧阳南风", 5, phone="13800001111")
    set_post(village, actor=None, post=Post.SECRETARY, holder_name="王春生")
    return Region(city, north, town, village, birch, south, south_village)


def settled(user: User, password: str = PASSWORD) -> User:
    """An account past its first login: the user set the password themself, so no forced change is pending."""
    set_password(user, password, actor=user, reason="测试账号")
    return user


def persona(username: str, org: Organization, role: str) -> User:
    user = settled(User.objects.create_user(username))
    grant_org(user, org, role)
    return user


@pytest.fixture
def city_admin(region):
    return persona("city_admin", region.city, Role.MANAGE)


@pytest.fixture
def county_user(region):
    """Manages 漠北县; should see nothing of 南岭县."""
    return persona("county_user", region.north, Role.MANAGE)


@pytest.fixture
def outsider(region):
    """Manages 南岭县; should see nothing of 漠北县."""
    return persona("outsider", region.south, Role.MANAGE)


@pytest.fixture
def town_user(region):
    return persona("town_user", region.town, Role.EDIT)


@pytest.fixture
def branch_secretary(region):
    return persona("branch_secretary", region.village, Role.EDIT)


@pytest.fixture
def reader(region):
    return persona("reader", region.north, Role.READ)


@pytest.fixture(autouse=True)
def _identification_settings(settings):
    """A fast hasher (Argon2 is slow on purpose). And the personas with the manage role log in with a password
    only: the default policy requires a second factor of that role, and the tests of the second factor
    (test_totp.py) set the policy themselves."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DANGJIAN_TOTP_ROLES = []


@pytest.fixture(autouse=True)
def _changeset_dir(settings, tmp_path_factory):
    """Bulk imports write their audit change sets (core/changesets.py) into a folder of the test's own."""
    settings.AUDIT_CHANGESET_DIR = tmp_path_factory.mktemp("changesets")


@pytest.fixture(autouse=True)
def _audit_anchor_file(settings, tmp_path_factory):
    """Each test's committed audit writes move an audit anchor of its own (core/audit_anchor.py), not a shared one
    that a later test's shorter log would be "rolled back" behind."""
    settings.AUDIT_ANCHOR_FILE = tmp_path_factory.mktemp("audit") / "anchor.json"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rate-limit counters (20 logins a minute per address) and cached
    figures must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def login():
    def _login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _login


@pytest.fixture(params=["plain", "fast"])
def both_import_ways(request, monkeypatch):
    """Run an import test twice: through the plain importer (`sheets.import_members`, the specification, used for
    small files) and the fast way (`sheets.fast`: reader processes, chunks, `COPY`; used for large files, here from
    the first row)."""
    if request.param == "fast":
        from dangjian.sheets import imports

        monkeypatch.setattr(imports, "FAST_FROM", 0)
    return request.param


# ---------------------------------------------------------------------------------------------------- workstations


@pytest.fixture
def station(region):
    """松岭第一党建工作站 of 松岭镇, covering 青松村, 白桦村 and 红星村 (three: within the 3–5 of [003])."""
    from dangjian.stations.services import add_staff, create_station

    red = make_org(region.town, "红星村党支部", "T-RED", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    made = create_station(
        actor=None,
        town=region.town,
        name="松岭第一党建工作站",
        code="T-WS1",
        villages=[region.village, region.birch, red],
    )
    add_staff(made, actor=None, name="周站长", post="chief", full_time=True)
    return made


@pytest.fixture
def station_user(station):
    """The station's account: its grants are the three covered villages, nothing else."""
    from dangjian.stations.services import bind_account

    user = settled(User.objects.create_user("station_user"))
    bind_account(station, user, actor=None)
    return user


@pytest.fixture
def fast_import(monkeypatch):
    """Every member import the fast way (`sheets.fast`), whatever its size: for what only that way does (one change
    set instead of a record per member, reader processes)."""
    from dangjian.sheets import imports

    monkeypatch.setattr(imports, "FAST_FROM", 0)


def pytest_collection_modifyitems(session, config, items):
    """Every test its own node id: pytest-xdist (scripts/test.sh) runs one item of a node id, so items sharing one
    would pass without being run."""
    counts = Counter(item.nodeid for item in items)
    shared = sorted(nodeid for nodeid, n in counts.items() if n > 1)
    if shared:
        raise pytest.UsageError(f"{len(shared)} node ids name more than one test: {shared[:5]}")
