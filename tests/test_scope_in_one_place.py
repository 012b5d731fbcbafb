"""Scope is decided in core/scope.py and nowhere else: its pieces, and a guard that keeps other code from re-deriving
it.

The guard reads the source tree, so a new page that filters on `path__startswith`, builds a Q from `scope_paths`
or writes its own `restrict` fails here before it can show one county's data to another.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

import dangjian
from dangjian.accounts.models import Role
from dangjian.core.scope import ALL, Action, acts_anywhere, has_root_scope, paths_q, scope_q
from dangjian.members.models import Member
from dangjian.orgs.choices import Level, OrgKind
from dangjian.orgs.models import Organization

from conftest import make_org, persona

# ---------------------------------------------------------------------------------------------------- the pieces


def codes(qs) -> list[str]:
    return sorted(qs.values_list("code", flat=True))


def test_in_subtree_holds_the_organization_and_everything_under_it(region):
    assert codes(Organization.objects.in_subtree(region.north)) == ["T-BIRCH", "T-NORTH", "T-TOWN", "T-VILLAGE"]
    assert codes(Organization.objects.in_subtree(region.north.path)) == codes(
        Organization.objects.in_subtree(region.north)
    )
    assert codes(Organization.objects.in_subtree(region.birch)) == ["T-BIRCH"]


def test_in_subtree_follows_the_models_own_path_field(region):
    names = sorted(Member.objects.in_subtree(region.town).values_list("name", flat=True))
    assert names == ["孙白桦", "李秋实", "王春生", "赵冬梅"]
    assert not Member.objects.in_subtree(region.south).filter(org__in=[region.village, region.birch]).exists()


def test_in_subtree_of_an_empty_path_is_nothing_rather_than_everything(region):
    assert not Organization.objects.in_subtree("").exists()


def test_paths_q_of_all_matches_every_row_even_inside_an_or_and_nothing_when_negated(region):
    every = Organization.objects.count()
    assert Organization.objects.filter(paths_q(ALL, "path")).count() == every
    assert Organization.objects.filter(Q(code="T-NONE") | paths_q(ALL, "path")).count() == every
    assert not Organization.objects.exclude(paths_q(ALL, "path")).exists()


def test_paths_q_of_no_paths_matches_nothing_without_asking_the_database(region, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(Organization.objects.filter(paths_q([], "path"))) == []
    assert Organization.objects.exclude(paths_q([], "path")).count() == Organization.objects.count()
    assert codes(Organization.objects.filter(Q(code="T-SOUTH") | paths_q([], "path"))) == ["T-SOUTH"]


def test_paths_q_of_overlapping_paths_is_the_widest_of_them(region):
    overlapping = paths_q([region.town.path, region.north.path, region.village.path], "path")
    assert overlapping == paths_q([region.north.path], "path")
    assert codes(Organization.objects.filter(overlapping)) == ["T-BIRCH", "T-NORTH", "T-TOWN", "T-VILLAGE"]
    both = Organization.objects.filter(paths_q([region.village.path, region.south.path], "path"))
    assert codes(both) == ["T-SOUTH", "T-SVILLAGE", "T-VILLAGE"]


def test_paths_q_reaches_organizations_through_other_models(region, county_user, outsider):
    users = User.objects.filter(paths_q([region.south.path], "grants__org__path")).distinct()
    assert list(users.values_list("username", flat=True)) == ["outsider"]


def test_scope_q_is_the_users_scope_for_the_action(region, reader, town_user):
    assert codes(Organization.objects.filter(scope_q(reader, "path"))) == ["T-BIRCH", "T-NORTH", "T-TOWN", "T-VILLAGE"]
    assert not Organization.objects.filter(scope_q(reader, "path", Action.CHANGE)).exists()
    assert codes(Organization.objects.filter(scope_q(town_user, "path", Action.CHANGE))) == [
        "T-BIRCH",
        "T-TOWN",
        "T-VILLAGE",
    ]


def test_acts_anywhere_tells_who_may_do_an_action_somewhere(region, reader, town_user, county_user):
    superuser = User.objects.create_superuser("root", password="x")
    nobody = User.objects.create_user("nobody")
    assert acts_anywhere(superuser, Action.MANAGE)
    assert acts_anywhere(county_user, Action.MANAGE)
    assert acts_anywhere(reader, Action.VIEW) and not acts_anywhere(reader, Action.CHANGE)
    assert acts_anywhere(town_user, Action.CHANGE) and not acts_anywhere(town_user, Action.MANAGE)
    assert not acts_anywhere(nobody, Action.VIEW)
    assert not acts_anywhere(AnonymousUser(), Action.VIEW)


def test_has_root_scope_for_a_superuser_a_root_grant_and_a_county_grant(region, city_admin, county_user):
    superuser = User.objects.create_superuser("root", password="x")
    assert has_root_scope(superuser)
    assert has_root_scope(city_admin) and has_root_scope(city_admin, Action.MANAGE)
    assert not has_root_scope(county_user)
    assert not has_root_scope(User.objects.create_user("nobody"))


def test_has_root_scope_asks_the_action_a_city_reader_reads_everything_but_manages_nothing(region):
    city_reader = persona("city_reader", region.city, Role.READ)
    assert has_root_scope(city_reader, Action.VIEW)
    assert not has_root_scope(city_reader, Action.MANAGE)


def test_has_root_scope_needs_every_root_once_a_second_tree_exists(region, city_admin):
    make_org(None, "另一市委", "T-OTHER", OrgKind.CITY_COMMITTEE, Level.CITY)
    assert not has_root_scope(city_admin)
    assert has_root_scope(User.objects.create_superuser("root", password="x"))


# ---------------------------------------------------------------------------------------------------- the guard

SOURCE = Path(dangjian.__file__).parent
SCOPE_MODULE = SOURCE / "core" / "scope.py"
# A lookup on an organization path (`path__startswith`, `org_path__startswith`) or one built from a variable.
SUBTREE_LOOKUP = re.compile(r"path__startswith|\}__startswith")
RAW_PATHS_NOTE = "raw paths"  # the comment that says why a caller needs the granted paths themselves
CORE_PIECES = {"restrict", "in_subtree", "paths_q", "scope_q", "acts_anywhere", "has_root_scope"}


def _python_files() -> list[Path]:
    return sorted(p for p in SOURCE.rglob("*.py") if "migrations" not in p.parts and p != SCOPE_MODULE)


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def subtree_lookups(text: str) -> list[int]:
    """Lines that filter a subtree by hand."""
    return [n for n, line in enumerate(text.splitlines(), 1) if SUBTREE_LOOKUP.search(line)]


def unexplained_scope_paths(text: str) -> list[int]:
    """Lines that read `scope_paths` without a "raw paths" comment on the line or the line above."""
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and _called_name(node) == "scope_paths":
            near = lines[max(0, node.lineno - 2) : node.lineno]
            if not any(RAW_PATHS_NOTE in line for line in near):
                found.append(node.lineno)
    return found


def restricts_of_their_own(text: str) -> list[int]:
    """`def restrict` that builds its condition without the core pieces (or reads the paths itself)."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef) and node.name == "restrict":
            called = {_called_name(n) for n in ast.walk(node) if isinstance(n, ast.Call)}
            if "scope_paths" in called or not called & CORE_PIECES:
                found.append(node.lineno)
    return found


def _offenders(check) -> list[str]:
    return [
        f"{path.relative_to(SOURCE)}:{line}"
        for path in _python_files()
        for line in check(path.read_text(encoding="utf-8"))
    ]


def test_no_code_outside_core_scope_filters_a_subtree_by_hand():
    assert _offenders(subtree_lookups) == [], "use .in_subtree(org) or core.scope.paths_q"


def test_no_code_outside_core_scope_reads_the_scope_paths_without_saying_why():
    assert _offenders(unexplained_scope_paths) == [], "use restrict/scope_q/acts_anywhere, or say '# raw paths: why'"


def test_every_other_restrict_builds_on_the_core_pieces():
    assert _offenders(restricts_of_their_own) == [], "build a special restrict from super().restrict or scope_q"


@pytest.mark.parametrize(
    "snippet",
    [
        "qs.filter(org__path__startswith=org.path)",
        "qs.filter(org_path__startswith=p)",
        'Q(**{f"{field}__startswith": path})',
    ],
)
def test_the_guard_catches_a_hand_written_subtree_filter(snippet):
    assert subtree_lookups(snippet) == [1]
    assert subtree_lookups('qs.filter(code__startswith=q, ip__startswith="10.")') == []


def test_the_guard_catches_scope_paths_read_without_a_reason():
    bare = "paths = scope_paths(user)\nq = Q()\n"
    explained = "# raw paths: the granted organizations themselves are listed\npaths = scope_paths(user)\n"
    assert unexplained_scope_paths(bare) == [1]
    assert unexplained_scope_paths(explained) == []


def test_the_guard_catches_a_restrict_of_its_own():
    own = (
        "class Q2:\n"
        "    def restrict(self, user, action):\n"
        "        paths = scope_paths(user, action)\n"
        "        return self.filter(owner__in=paths)\n"
    )
    built = (
        "class Q3:\n    def restrict(self, user, action):\n        return self.filter(scope_q(user, 'root__path'))\n"
    )
    assert restricts_of_their_own(own) == [2]
    assert restricts_of_their_own(built) == []
