"""The demo county carries a year of dues with realistic gaps: most member-months paid on time, a few members in
arrears, branches that differ, and the rollup and metric read it."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from dangjian.demo.assessment import demo_year
from dangjian.demo.region import MOHE_NAME
from dangjian.dues.ledger import Ledger, add_months, month_start
from dangjian.dues.metrics import dues_on_time
from dangjian.dues.models import DuesBase, DuesPayment, DuesRelief
from dangjian.members.models import Member
from dangjian.orgs.choices import BRANCH_KINDS
from dangjian.orgs.models import Organization

pytestmark = pytest.mark.django_db


def test_the_demo_county_has_a_year_of_dues_with_gaps(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("demo", no_serve=True, verbosity=0)
    county = Organization.objects.get(name=MOHE_NAME)
    members = Member.objects.in_subtree(county).count()
    assert DuesBase.objects.in_subtree(county).values("member").distinct().count() == members
    assert DuesBase.objects.filter(effective_from__month__gt=1).exists()  # raises mid-year
    assert DuesRelief.objects.exists() and DuesPayment.objects.in_subtree(county).count() > members * 5
    today = timezone.localdate()
    people = Member.objects.in_subtree(county).select_related("org")
    window = add_months(month_start(today), -23)
    flagged = [b for b in Ledger(people, window, today, today, under=county.path) if b.arrears() is not None]
    assert 0 < len(flagged) < members * 0.05
    branches = Organization.objects.in_subtree(county).filter(kind__in=BRANCH_KINDS)
    year = demo_year()
    shares = dues_on_time(list(branches), datetime.date(year, 12, 31), year)
    assert len({round(v, 2) for v in shares.values()}) > 3  # branches differ
    assert sum(shares.values()) / len(shares) > Decimal("0.8")  # December, still running, is owed at 31 Dec
