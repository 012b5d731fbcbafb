"""Data scope: the one mechanism that decides which organizations' data a user may see or change.

A user is granted organizations with a role. Every scoped model reaches an organization's materialized
`path`; a row is in scope when that path starts with the path of an organization the user was granted
with a role that allows the action. Views and API viewsets call `restrict` through their base classes only.
"""

from __future__ import annotations

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
        grants = list(user.grants.values_list("role", "org__path"))
        cache = {
            act: _minimal([path for role, path in grants if act in ROLE_ALLOWS.get(role, set())])
            for act in Action.values
        }
        user._scope_cache = cache
    return cache.get(action, [])


def path_in_scope(user, path: str, action: str = Action.VIEW) -> bool:
    """Whether an organization at `path` is within the user's scope for `action`."""
    paths = scope_paths(user, action)
    if paths is ALL:
        return True
    return any(path.startswith(p) for p in paths)


def clear_scope_cache(user) -> None:
    if hasattr(user, "_scope_cache"):
        del user._scope_cache


class ScopedQuerySet(models.QuerySet):
    """A queryset that can be narrowed to what a user may see or change.

    The model names the lookup that reaches the owning organization's path in `scope_path_field`.
    """

    def restrict(self, user, action: str = Action.VIEW) -> ScopedQuerySet:
        paths = scope_paths(user, action)
        if paths is ALL:
            return self
        if not paths:
            return self.none()
        field = self.model.scope_path_field
        condition = Q()
        for path in paths:
            condition |= Q(**{f"{field}__startswith": path})
        return self.filter(condition)
