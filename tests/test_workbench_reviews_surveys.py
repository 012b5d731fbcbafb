"""The workbench's reviews and surveys: the residents' survey waits for the organizing department until every
surveyed organization's links are made and answered, the secretary's report waits for the organization being
reviewed until uploaded; both go when the assessment is published, and nobody of the other county sees them."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dangjian.assess import review, survey
from dangjian.assess import services as assess
from dangjian.assess.models import Participant
from dangjian.core import workbench
from dangjian.flows.publishing import publish_assessment
from schemes import S01, county_scheme, given
from upload_samples import PDF

pytestmark = pytest.mark.django_db

SCHEME = county_scheme(given(80), S01, category="工作", total="100")


def waiting(client) -> dict[str, int]:
    response = client.get("/")
    assert response.status_code == 200
    return {item.key: item.count for item in response.context["work"]}


def item(client, key):
    return next(i for i in client.get("/").context["work"] if i.key == key)


@pytest.fixture
def assessment(region, county_user):
    scheme = assess.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    return assess.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31), review_weight="0.30"
    )


def test_the_new_areas_are_registered():
    assert {"assess_reports", "assess_survey"} <= set(workbench.providers())


def test_the_survey_waits_for_the_department_until_links_are_made_and_answered(
    region, assessment, login, county_user, city_admin, town_user, branch_secretary, outsider
):
    county = login(county_user)
    assert waiting(county).get("assess.survey_unlinked") == 2  # 青松村 and 白桦村, no link made yet
    assert item(county, "assess.survey_unlinked").url == f"/assess/{assessment.pk}/survey/"
    assert waiting(login(city_admin)).get("assess.survey_unlinked") == 2  # the city manages the county's root too
    for someone in (town_user, branch_secretary, outsider):  # not the department: the links are not theirs to make
        got = waiting(login(someone))
        assert "assess.survey_unlinked" not in got and "assess.survey_short" not in got

    village = Participant.objects.get(assessment=assessment, code="T-VILLAGE")
    birch = Participant.objects.get(assessment=assessment, code="T-BIRCH")
    tokens = [link.token for link in survey.create_links(village, 3, actor=county_user)]
    got = waiting(county)
    assert got.get("assess.survey_unlinked") == 1  # only 白桦村 left
    assert item(county, "assess.survey_unlinked").url == f"/assess/orgs/{birch.pk}/survey/"
    assert got.get("assess.survey_short") == 1
    short = item(county, "assess.survey_short")
    assert short.label == "测评未收齐的参评组织（已收 0 / 发出 3 份）"
    assert short.url == f"/assess/orgs/{village.pk}/survey/"  # the page with the counts and the QR sheet
    assert county.get(short.url).status_code == 200

    resident = Client()
    resident.post(f"/s/{tokens[0]}/", {"answer": "satisfied"})
    assert item(county, "assess.survey_short").label == "测评未收齐的参评组织（已收 1 / 发出 3 份）"
    for token in tokens[1:]:
        resident.post(f"/s/{token}/", {"answer": "fair"})
    got = waiting(county)
    assert "assess.survey_short" not in got  # every link answered
    survey.create_links(birch, 2, actor=county_user)
    got = waiting(county)
    assert "assess.survey_unlinked" not in got and got.get("assess.survey_short") == 1

    assess.run_assessment(assessment, actor=county_user)
    publish_assessment(assessment, actor=county_user)
    got = waiting(county)
    assert "assess.survey_unlinked" not in got and "assess.survey_short" not in got  # the survey is closed


def test_a_scheme_without_a_survey_asks_for_no_links(region, login, county_user):
    scheme = assess.save_scheme(
        actor=county_user, owner=region.north, text=county_scheme(given(100), category="工作", total="100")
    )
    assess.open_assessment(actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31))
    got = waiting(login(county_user))
    assert "assess.survey_unlinked" not in got and "assess.survey_short" not in got


def test_the_secretary_report_waits_for_the_organization_itself_until_uploaded(
    region, assessment, login, branch_secretary, town_user, county_user, outsider, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    secretary = login(branch_secretary)
    village = Participant.objects.get(assessment=assessment, code="T-VILLAGE")
    assert waiting(secretary).get("assess.report_upload") == 1
    link = item(secretary, "assess.report_upload").url
    assert link == f"/assess/orgs/{village.pk}/review/"
    assert "述职报告" in secretary.get(link).content.decode()  # the upload form is there
    for someone in (town_user, county_user, outsider):  # the level above rates; it does not upload
        assert "assess.report_upload" not in waiting(login(someone))

    review.upload_report(village, SimpleUploadedFile("述职报告.pdf", PDF), actor=branch_secretary)
    assert "assess.report_upload" not in waiting(secretary)
    assert waiting(login(town_user)).get("assess.reviews") == 1  # now the town's to rate


def test_no_report_is_asked_when_the_review_does_not_count_or_the_assessment_is_published(
    region, assessment, login, branch_secretary, county_user
):
    scheme = assess.save_scheme(
        actor=county_user, owner=region.north, text=county_scheme(given(100), category="工作", total="100", year=2025)
    )
    assess.open_assessment(actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2025, 12, 31))
    secretary = login(branch_secretary)
    assert waiting(secretary).get("assess.report_upload") == 1  # the 2025 one has no review weight: not counted

    assess.run_assessment(assessment, actor=county_user)
    publish_assessment(assessment, actor=county_user)
    assert "assess.report_upload" not in waiting(secretary)


def test_the_survey_item_takes_three_queries_however_many_organizations(region, assessment, county_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.flows.workbench import survey_items

    for p in Participant.objects.filter(assessment=assessment):
        survey.create_links(p, 4, actor=county_user)
    with CaptureQueriesContext(connection) as ctx:
        items = {i.key: i.count for i in survey_items(county_user)}
    assert items == {"assess.survey_unlinked": 0, "assess.survey_short": 2}
    assert len(ctx.captured_queries) <= 3  # the assessments, their (domain, level) pairs, one aggregate
