"""The workbench's registry of "what needs me": each area adds a provider, the home page asks them all.

A provider is a function `provider(user) -> Iterable[WorkItem]`: the things waiting for this person in one area,
each a count and a link, counted within the user's scope (`core.scope`) like every other count. Areas register
their providers by an explicit call (`register`) from an AppConfig.ready() — never by import side effect — and core
knows none of them: the registry lives below every app, the providers above.

An item with a count of zero is not shown: the workbench lists only what is waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

Provider = Callable[[object], Iterable["WorkItem"]]

_providers: list[tuple[int, str, Provider]] = []


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting: what it is (`label`), how many, where to act on it; `urgent` when a deadline has passed."""

    area: str  # the area's name in Chinese (整顿整改, 问题清单…), shown as the group heading
    label: str
    count: int
    url: str
    urgent: bool = False
    key: str = ""  # a stable name for tests and page anchors, e.g. "rectify.town_check"


def register(name: str, provider: Provider, *, order: int = 100) -> None:
    """Add `provider` under `name` (registering the same name again replaces it, so a reloaded app adds nothing);
    `order` places the area on the page (lower first)."""
    global _providers
    _providers = [entry for entry in _providers if entry[1] != name]
    _providers.append((order, name, provider))
    _providers.sort(key=lambda entry: (entry[0], entry[1]))


def providers() -> list[str]:
    return [name for _, name, _ in _providers]


def items_for(user) -> list[WorkItem]:
    """Everything waiting for `user`, in the areas' order; items with nothing waiting left out."""
    out: list[WorkItem] = []
    for _, _, provider in _providers:
        out.extend(item for item in provider(user) if item.count)
    return out
