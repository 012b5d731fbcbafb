"""A run in a transaction of its own reads the entries through a second connection while it reads the rest
(`assess.inputs.Prefetch`, PostgreSQL); the results and the digest are those of reading them in turn."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction

from dangjian.assess import inputs, services
from dangjian.assess.models import Participant, Result
from dangjian.flows.publishing import publish_assessment
from schemes import COUNTY_SCHEME as SCHEME

# Committed data, as a real run sees it: the second connection sees nothing of an open test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def entered(region, county_user, town_user):
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    assessment = services.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )
    village = Participant.objects.get(assessment=assessment, code="T-VILLAGE")
    birch = Participant.objects.get(assessment=assessment, code="T-BIRCH")
    services.enter(village, "G01", "78", actor=town_user)
    services.enter(village, "G01", "74", actor=county_user)  # two raters: read again entry by entry
    services.enter(village, "R01", "1", actor=town_user)
    services.enter(birch, "G01", "70.5", actor=town_user)
    services.enter(birch, "V01", "是", actor=town_user)
    return assessment


@pytest.fixture
def starts(monkeypatch):
    """Whether each run that may read meanwhile got a prefetch (only PostgreSQL reads packed and asks)."""
    made = []
    real = inputs.Prefetch.start.__func__

    def start(cls, *args):
        prefetch = real(cls, *args)
        made.append(prefetch is not None)
        return prefetch

    monkeypatch.setattr(inputs.Prefetch, "start", classmethod(start))
    return made


def apart() -> list[bool]:
    """What `starts` holds after one run that may read meanwhile: a prefetch on PostgreSQL; SQLite never asks."""
    return [True] if connection.vendor == "postgresql" else []


def stored() -> dict[str, tuple]:
    return {
        r.participant.code: (r.total, r.rank, r.grade, r.weak, r.cents, r.reasons, r.grade_reasons)
        for r in Result.objects.select_related("participant")
    }


def test_the_run_reads_the_entries_meanwhile_and_gives_what_reading_in_turn_gives(entered, county_user, starts):
    first = services.run_assessment(entered, actor=county_user)
    assert starts == apart()
    meanwhile = stored()
    assert meanwhile["T-VILLAGE"][0] == 94  # secretary 10 + mean 76 + 10 − 2
    assert meanwhile["T-BIRCH"][2] == "D" and meanwhile["T-BIRCH"][6] == ["一票否决：严重违纪"]

    starts.clear()
    with transaction.atomic():  # a transaction that has written nothing yet: still read meanwhile
        again = services.run_assessment(entered, actor=county_user)
    assert starts == apart()
    assert stored() == meanwhile and again.digest == first.digest


def test_after_a_write_in_its_transaction_the_run_reads_in_turn_and_sees_it(entered, county_user, town_user, starts):
    # The second connection would not see this transaction's own entry: the run must read through its own.
    with transaction.atomic():
        birch = Participant.objects.get(assessment=entered, code="T-BIRCH")
        services.enter(birch, "V01", "否", actor=town_user)  # the veto withdrawn, not yet committed
        services.run_assessment(entered, actor=county_user)
        birch_result = stored()["T-BIRCH"]
    assert birch_result[2] == "B" and birch_result[6] == []  # 0 + 70.50 + 10
    assert starts == []


def test_publishing_reads_meanwhile_too(entered, county_user, starts):
    outcome = publish_assessment(entered, actor=county_user)
    assert starts == apart()
    assert stored()["T-BIRCH"][2] == "D" and len(outcome.digest) == 64


def test_a_failed_read_meanwhile_fails_the_run_and_writes_nothing(entered, county_user, starts, monkeypatch):
    def broken(*_args):
        raise RuntimeError("read failed")

    monkeypatch.setattr(inputs, "fetch_packed", broken)
    if connection.vendor != "postgresql":  # SQLite reads entry by entry: the packed read is never asked for
        services.run_assessment(entered, actor=county_user)
        assert Result.objects.count() == 2
        return
    with pytest.raises(RuntimeError, match="read failed"):
        services.run_assessment(entered, actor=county_user)
    assert not Result.objects.exists()
