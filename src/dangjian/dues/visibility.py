"""Who may see a member's dues base: a base is pay, so it is shown only to roles that manage the member's
organization (a MANAGE grant on the branch or above). Everyone who sees the member sees the amounts due and paid.
Pages, the API and the export all ask this one function."""

from __future__ import annotations

from dangjian.core.scope import Action, path_in_scope

HIDDEN = "（无权查看）"


def may_see_bases(user, path: str) -> bool:
    """Whether `user` may see the bases of members of the organization at `path`."""
    return path_in_scope(user, path, Action.MANAGE)
