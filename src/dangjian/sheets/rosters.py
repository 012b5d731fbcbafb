"""Members named in a cell, matched on an organization's roster: the importers whose rows name people (meetings'
attendance, trainings' and projects' members) read each roster once per import and match every name to exactly
one member. What "the roster" is, and what a failure says, stays with each importer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable


class Rosters:
    """`read(org)` → the members on `org`'s roster (a queryset); kept by name for the rest of the import."""

    def __init__(self, read: Callable):
        self.read = read
        self.by_org: dict[int, dict[str, list]] = {}

    def match(self, org, names: Iterable[str]) -> tuple[list, list[str], list[str]]:
        """(found, unknown, twice): the members the names stand for, the names on nobody, the names on two or more."""
        if org.pk not in self.by_org:
            by_name = defaultdict(list)
            for member in self.read(org).select_related("org"):
                by_name[member.name].append(member)
            self.by_org[org.pk] = by_name
        people = self.by_org[org.pk]
        found, unknown, twice = [], [], []
        for name in names:
            matches = people.get(name, [])
            if not matches:
                unknown.append(name)
            elif len(matches) > 1:
                twice.append(name)
            else:
                found.append(matches[0])
        return found, unknown, twice
