"""Who may do what in an assessment, in one place, on top of the data scope.

- run, adjust, publish, open survey links: MANAGE on the assessment's root (the organization department);
- rate an organization: CHANGE on its parent or above (an organization never rates itself);
- attach evidence: CHANGE on the organization itself or above;
- see results: managers always; everyone else only once published, and only their own organizations.
"""

from __future__ import annotations

from dangjian.core.scope import ALL, Action, path_in_scope, scope_paths

from .models import Assessment, Participant


def can_manage(user, assessment: Assessment) -> bool:
    return path_in_scope(user, assessment.root.path, Action.MANAGE)


def rateable(user, assessment: Assessment):
    """Participants this user may score: within CHANGE scope but not the granted organizations themselves."""
    qs = Participant.objects.filter(assessment=assessment).restrict(user, Action.CHANGE)
    # raw paths: the granted organizations themselves are left out, not their subtrees.
    paths = scope_paths(user, Action.CHANGE)
    if paths is not ALL:
        qs = qs.exclude(path__in=paths)
    return qs


def can_rate(user, participant: Participant) -> bool:
    from .services import parent_path

    parent = parent_path(participant.path)
    return bool(parent) and path_in_scope(user, parent, Action.CHANGE)


def can_attach(user, participant: Participant) -> bool:
    return path_in_scope(user, participant.path, Action.CHANGE)


def results_visible(user, assessment: Assessment) -> bool:
    return assessment.published or can_manage(user, assessment)
