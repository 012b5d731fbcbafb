"""The "十有" checklist in force for an organization: the rulebook's rule `resources.venue_standard` as the nearest
regional adjustment above the organization leaves it (`rulebook.book.Book.rule`), read as a `rules.Checklist`.

Loaded once for a page, a list, an import or a roll-up (one query: the active adjustments with their rule), then
asked for each venue's organization without another query: the organizations above one are read off its path.
"""

from __future__ import annotations

from dataclasses import dataclass

from dangjian.rulebook.book import Book
from dangjian.rulebook.models import RuleOverride

from .rules import STANDARD_RULE, Checklist, checklist_from


@dataclass(frozen=True)
class _At:
    """An organization as `Book.rule` needs it, made from a path alone (ids of the organizations above and itself)."""

    path: str

    @property
    def pk(self) -> int:
        return int(self.path.rstrip(".").rsplit(".", 1)[-1])

    def ancestor_ids(self) -> list[int]:
        return [int(seg) for seg in self.path.split(".") if seg][:-1]


class Checklists:
    """The checklists of every area, loaded once."""

    def __init__(self, book: Book | None = None) -> None:
        if book is None:
            overrides = list(
                RuleOverride.objects.filter(rule__key=STANDARD_RULE, withdrawn_at__isnull=True)
                .select_related("org", "rule")
                .only("rule", "value", "severity", "disabled", "org__id", "org__name", "org__depth")
            )
            # With no adjustment anywhere the catalog's rule is the whole answer (Book reads it from the catalog).
            book = Book([overrides[0].rule] if overrides else [], overrides)
        self.book = book
        self._by_path: dict[str, Checklist] = {}

    def at_path(self, path: str) -> Checklist:
        """The checklist in force at the organization of `path` (the nearest adjustment above or at it)."""
        if path not in self._by_path:
            effective = self.book.rule(STANDARD_RULE, _At(path))
            self._by_path[path] = checklist_from(effective.value, effective.override_org)
        return self._by_path[path]

    def at(self, org) -> Checklist:
        return self.at_path(org.path)

    def attach(self, venues) -> list:
        """Give each venue its checklist (`venue.checklist`), so a list asks nothing more per venue."""
        venues = list(venues)
        for venue in venues:
            venue.checklist = self.at_path(venue.org.path)
        return venues


def checklist_at(org) -> Checklist:
    return Checklists().at(org)
