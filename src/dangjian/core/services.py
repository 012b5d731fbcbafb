"""Helpers every service uses: the in-transaction scope re-check."""

from django.core.exceptions import PermissionDenied

from .scope import Action, path_in_scope


class OutOfScope(PermissionDenied):
    """The object is not within the actor's data scope. Views answer 404, as for a missing object."""


def ensure_in_scope(actor, path: str, action: str = Action.CHANGE) -> None:
    """Raise OutOfScope unless `path` is within the actor's scope for `action`.

    Services call this inside their transaction after writing, so a write that would move data out of the
    actor's reach is rolled back. `actor=None` is the system itself (commands, jobs) and is always allowed.
    """
    if actor is None:
        return
    if not path_in_scope(actor, path, action):
        raise OutOfScope("不在您的数据范围内。")
