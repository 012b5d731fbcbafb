"""The demo's party staff [000]: the tax system's bureaus and a few county agency committees with their staff totals,
full-time and part-time party workers of several ages, and a 专职副书记 on the city bureau's committee. The 河西
county bureau, still under a street committee while the city bureau has a 机关党委, is the half-detached case the
staffing pages point out (its organization is made by `region.py`)."""

from __future__ import annotations

import datetime
import random

from dangjian.orgs.choices import Post
from dangjian.orgs.models import Organization
from dangjian.orgs.services import set_post
from dangjian.staffing.services import save_worker

from .names import person_name

# unit name → (staff total, full-time workers, part-time workers), shaped on [000]'s tables: most units thin, some
# with none at all, the workers mostly past forty.
UNITS = {
    "示范市税务局机关党委": (420, 4, 2),
    "漠北县税务局机关党委": (160, 1, 2),
    "河西区税务局党支部": (95, 0, 1),
    "漠北县直属机关党委": (310, 2, 1),
    "漠北县公安局党委": (260, 1, 1),
}


def build_demo_staffing(rng: random.Random, today: datetime.date) -> int:
    """Add the units' party workers through the staffing services (audited); returns how many."""
    count = 0
    for name, (staff_total, full, part) in UNITS.items():
        org = Organization.objects.filter(name=name).first()
        if org is None:
            continue
        for i in range(full + part):
            age = rng.choice((33, 38, 42, 45, 47, 51, 54))
            birth = datetime.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            save_worker(
                org,
                actor=None,
                name=person_name(rng, rng.random() < 0.6),
                birth_date=birth,
                full_time=i < full,
                post="专职党务干部" if i < full else "兼职党务干部",
                staff_total=staff_total,
            )
            count += 1
    city_bureau = Organization.objects.filter(name="示范市税务局机关党委").first()
    if city_bureau is not None:
        set_post(city_bureau, actor=None, post=Post.FULLTIME_DEPUTY, holder_name=person_name(rng, True), full_time=True)
    return count
