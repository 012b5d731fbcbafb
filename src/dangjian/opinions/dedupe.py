"""Near-duplicate opinions: the same concern sent again (often by several residents, or once by QR code and once
through the station) is grouped under the first opinion, so it is counted, answered and turned into a problem once.

Two opinions are near-duplicates when they concern the same village within `WINDOW_DAYS` of each other and the sets
of their words overlap by at least `THRESHOLD` (Jaccard: shared words ÷ all words of either). At a village's
volume (tens a month) comparing with each recent opinion costs less than any index would.
"""

from __future__ import annotations

import datetime

from .models import Opinion

WINDOW_DAYS = 30
THRESHOLD = 0.6


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def group_of(org_id: int, date: datetime.date, words: list[str], exclude: int | None = None) -> Opinion | None:
    """The first opinion of the group a new opinion of `org_id` on `date` with `words` belongs to, or None."""
    mine = set(words)
    if not mine:
        return None
    window = datetime.timedelta(days=WINDOW_DAYS)
    recent = (
        Opinion.objects.filter(org_id=org_id, date__gte=date - window, date__lte=date + window)
        .exclude(pk=exclude)
        .order_by("date", "id")
        .only("id", "words", "duplicate_of_id", "date")
    )
    for other in recent:
        if jaccard(mine, set(other.words.split())) >= THRESHOLD:
            return Opinion(pk=other.duplicate_of_id) if other.duplicate_of_id else other
    return None
