"""Data scope: the one mechanism that decides which organizations' data a user may see or change.

A user is granted organizations with a role. Every scoped model reaches an organization's materialized
`path`; a row is in scope when that path starts with the path of an organization the user was granted
with a role that allows the action.

Everything else asks this module rather than re-deriving it from the paths:
- `ScopedQuerySet.restrict(user, action)`: the rows of a scoped model the user may see or change;
- `ScopedQuerySet.in_subtree(org)`: the rows of one organization and everything under it;
- `scope_q(user, field, action)` / `paths_q(paths, field)`: the same conditions as a `Q` over any path lookup, for
  querysets of models that are not scoped themselves (users through their grants, audit rows);
- `path_in_scope`, `acts_anywhere`, `has_root_scope`: the yes/no questions pages and services ask.
tests/test_scope_in_one_place.py fails when code elsewhere filters on `path__startswith`, reads `scope_paths`
without saying why, or defines a `restrict` that does not build on these pieces.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    READ = "read", "查看"
    EDIT = "edit", "编辑"
    MANAGE = "manage", "管理"


class Action(models.TextChoices):
    VIEW = "view", "查看"
    CHANGE = "change", "修改"  # edit records of organizations and members in scope
    MANAGE = "manage", "管理"  # create, move and delete organizations in scope


ROLE_ALLOWS: dict[str, set[str]] = {
    Role.READ: {Action.VIEW},
    Role.EDIT: {Action.VIEW, Action.CHANGE},
    Role.MANAGE: {Action.VIEW, Action.CHANGE, Action.MANAGE},
}

ALL = None  # scope_paths returns this for a user who sees everything


def _minimal(paths: list[str]) -> list[str]:
    """Drop paths that lie under another path of the list: they add nothing to the scope."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return result


def scope_paths(user, action: str = Action.VIEW) -> list[str] | None:
    """The organization paths under which `user` may do `action`; ALL for a superuser; [] for nobody.

    Cached on the user object for the length of the request.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return ALL
    cache = getattr(user, "_scope_cache", None)
    if cache is None:
        # One query for all actions: a page that both shows (VIEW) and offers changes (CHANGE) asks once.
        # The grants (accounts.OrgGrant) are read through the user's reverse relation: core imports no app above it.
        cache = remember_grants(user, list(user.grants.values_list("role", "org__path")))
    return cache.get(action, [])


def remember_grants(user, grants: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Keep on `user`, for the length of the request, the scope its grants give, as (role, organization path) pairs
    read now: by `scope_paths`, or with the user when the request signs them in (accounts.backends)."""
    user._scope_cache = {
        act: _minimal([path for role, path in grants if act in ROLE_ALLOWS.get(role, set())]) for act in Action.values
    }
    return user._scope_cache


def path_in_scope(user, path: str, action: str = Action.VIEW) -> bool:
    """Whether an organization at `path` is within the user's scope for `action`."""
    paths = scope_paths(user, action)
    if paths is ALL:
        return True
    return any(path.startswith(p) for p in paths)


def acts_anywhere(user, action: str = Action.VIEW) -> bool:
    """Whether the user may do `action` on at least one organization (to offer a "new" button or an upload page)."""
    paths = scope_paths(user, action)
    return paths is ALL or bool(paths)


def has_root_scope(user, action: str = Action.VIEW) -> bool:
    """Whether the user's scope for `action` covers every root organization (a superuser's covers everything).

    Not the same as ALL: a grant on the one root covers the whole tree yet stays a grant, which the security
    administrator's rules and the audit log treat as "everything"; only a superuser's scope is ALL. False while
    there is no organization at all.
    """
    paths = scope_paths(user, action)
    if paths is ALL:
        return True
    if not paths:
        return False
    # From Django's app registry: core sits below the apps and imports none of them.
    Organization = apps.get_model("orgs", "Organization")
    roots = list(Organization.objects.filter(parent__isnull=True).values_list("path", flat=True))
    return bool(roots) and all(any(root.startswith(p) for p in paths) for root in roots)


def paths_q(paths: list[str] | None, field: str) -> Q:
    """The condition "`field` lies under one of `paths`": `field` is a lookup that reaches an organization path
    ("path", "org__path", "grants__org__path"...). ALL matches every row, [] none; paths under another path of the
    list are dropped, and an empty path (no organization) counts as none rather than as "everything"."""
    if paths is ALL:
        # Every row, and it stays so when combined: a bare Q() would vanish from an OR (Q(a) | Q() is Q(a)) and
        # still mean every row when negated. Django compiles this one to no WHERE clause at all.
        return ~Q(pk__in=[])
    kept = _minimal([p for p in paths if p])
    if not kept:
        return Q(pk__in=[])  # no row; a query filtered on it is not even sent
    condition = Q()
    for path in kept:
        condition |= Q(**{f"{field}__startswith": path})
    return condition


def scope_q(user, field: str, action: str = Action.VIEW) -> Q:
    """The user's scope for `action` as a condition on `field` (see `paths_q`), for querysets of models that are not
    scoped by `restrict` themselves, or for a second path of a scoped one."""
    return paths_q(scope_paths(user, action), field)


def clear_scope_cache(user) -> None:
    if hasattr(user, "_scope_cache"):
        del user._scope_cache


class ScopedQuerySet(models.QuerySet):
    """A queryset that can be narrowed to what a user may see or change.

    The model names the lookup that reaches the owning organization's path in `scope_path_field`.
    """

    def restrict(self, user, action: str = Action.VIEW) -> ScopedQuerySet:
        """The rows the user may see (VIEW) or change (CHANGE, MANAGE)."""
        paths = scope_paths(user, action)
        if paths is ALL:
            return self
        if not paths:
            return self.none()
        return self.filter(paths_q(paths, self.model.scope_path_field))

    def in_subtree(self, org_or_path) -> ScopedQuerySet:
        """The rows of one organization and everything under it (an Organization or its path); no scope check."""
        path = getattr(org_or_path, "path", org_or_path)
        return self.filter(paths_q([path], self.model.scope_path_field))
