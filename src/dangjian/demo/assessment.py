"""The demo county's annual assessment: the shipped county scheme, scores as a county would enter them, residents'
survey answers, one veto, and a computed (not yet published) result, so `demo_county` can review and publish it.

Scores follow a hidden "quality" per organization drawn from the seed, so the ranking looks like a real county's:
most organizations good, a tail of weak ones. Written in bulk with one audit record, like the rest of the demo.
"""

from __future__ import annotations

import datetime
import random
import secrets
from decimal import Decimal

from django.utils import timezone

from dangjian.assess import services
from dangjian.assess.metrics import METRICS
from dangjian.assess.models import Entry, SurveyAnswer, SurveyLink
from dangjian.assess.scheme import Method
from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.orgs.models import Organization

from .region import MOHE_NAME

SURVEY_LINKS = 12  # per organization; a few stay unanswered, as in a real survey


def _quality(rng: random.Random) -> float:
    return min(max(rng.gauss(0.86, 0.07), 0.45), 1.0)


def demo_year() -> int:
    """The year of the shipped county scheme, which the demo assesses (and keeps records for)."""
    return services.load_scheme(services.example_scheme_text(), metrics=set(METRICS)).year


def build_demo_assessment(rng: random.Random):
    county = Organization.objects.filter(name=MOHE_NAME).first()
    if county is None:
        return None
    scheme_record = services.save_scheme(actor=None, owner=county, text=services.example_scheme_text())
    scheme = scheme_record.parsed()
    assessment = services.open_assessment(
        actor=None, scheme=scheme_record, root=county, cutoff=datetime.date(scheme.year, 12, 31), review_weight=0
    )
    participants = list(assessment.participants.order_by("path"))
    vetoed = rng.choice([p for p in participants if p.domain == "village"])
    entries, links = [], []
    now = timezone.now()
    for p in participants:
        quality = _quality(rng)
        group = scheme.group_for(p.domain, p.level)
        for ind in group.indicators:
            if ind.method is Method.GIVEN:
                share = min(max(quality + rng.gauss(0, 0.05), 0.3), 1.0)
                points = (Decimal(ind.max_cents) * Decimal(str(round(share, 4))) / 100).quantize(Decimal("0.01"))
                entries.append(Entry(participant=p, indicator=ind.code, points=points))
            elif ind.method is Method.DEDUCTION:
                misses = sum(1 for _ in range(4) if rng.random() > quality)
                if misses:
                    entries.append(Entry(participant=p, indicator=ind.code, count=misses))
            elif ind.method is Method.YESNO:
                entries.append(Entry(participant=p, indicator=ind.code, flag=rng.random() < quality + 0.08))
            elif ind.method is Method.BONUS and rng.random() < 0.06:
                entries.append(Entry(participant=p, indicator=ind.code, points=Decimal(ind.max_cents) / 100))
            elif ind.method is Method.PENALTY and rng.random() < 0.03:
                entries.append(Entry(participant=p, indicator=ind.code, count=1))
            elif ind.method is Method.VETO and p is vetoed and ind.code == "X04":
                entries.append(Entry(participant=p, indicator=ind.code, flag=True, note="村干部严重违纪，已立案"))
            elif ind.method is Method.SURVEY:
                for n in range(SURVEY_LINKS):
                    draw = rng.random()
                    answer = (
                        ""
                        if n >= SURVEY_LINKS - 2
                        else SurveyAnswer.SATISFIED
                        if draw < quality
                        else SurveyAnswer.FAIR
                        if draw < quality + (1 - quality) / 2
                        else SurveyAnswer.DISSATISFIED
                    )
                    links.append(
                        SurveyLink(
                            participant=p,
                            token=secrets.token_urlsafe(12),
                            answer=answer,
                            used_at=now if answer else None,
                        )
                    )
    Entry.objects.bulk_create(entries, batch_size=1000)
    SurveyLink.objects.bulk_create(links, batch_size=1000)
    record(
        AuditAction.IMPORT,
        org=county,
        username="demo",
        obj=assessment,
        detail=f"演示考核评分：{len(entries)} 条评分，{len(links)} 个测评链接",
    )
    return services.run_assessment(assessment, actor=None)
