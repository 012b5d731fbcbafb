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

from django.db.models import QuerySet
from django.urls import reverse

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
    more: bool = False  # more than `count` wait (an item counted to a cap shows "99+")


def counted(
    area: str,
    key: str,
    label: str,
    rows,
    *,
    listing: str,
    detail: str | None = None,
    urgent=False,
    cap: int | None = None,
) -> WorkItem:
    """The usual item: how many `rows` wait in `area`, linked to the one row's page (`detail`, a URL name taking its
    primary key) when exactly one waits, else to `listing` (the list, filtered to them).

    `rows` is a queryset, or a list of primary keys when the area's rule of who acts was asked row by row (a key may
    repeat: the count is of the list, the link of the distinct keys, e.g. two measures of one case link to the case).
    `urgent` is a flag, or a queryset of the rows that make the item urgent (asked only when something waits).
    `cap` (a queryset's item): count no further than `cap` rows and show "cap+" beyond, for what can wait by the
    thousand at a wide scope (a province's problems waiting to be assigned): the list behind the link counts them.
    The area comes first so that a provider binds it once: `item = partial(counted, "问题清单", detail=...)`."""
    more = False
    if isinstance(rows, QuerySet) and cap is not None:
        pks = list(rows.order_by().values_list("pk", flat=True)[: cap + 1])
        count, more = min(len(pks), cap), len(pks) > cap
    elif isinstance(rows, QuerySet):
        if detail is None:
            count, pks = rows.count(), []
        else:
            pks = list(rows.values_list("pk", flat=True)[:2])
            count = len(pks) if len(pks) < 2 else rows.count()
    else:
        count, pks = len(rows), list(dict.fromkeys(rows))
    if isinstance(urgent, QuerySet):
        urgent = urgent.exists() if count else False
    url = reverse(detail, args=[pks[0]]) if detail and len(pks) == 1 else listing
    return WorkItem(area, label, count, url, urgent=bool(urgent), key=key, more=more)


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
