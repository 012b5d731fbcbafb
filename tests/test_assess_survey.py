"""The residents' survey: one-time anonymous links, printed as QR codes, feeding the survey indicator."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client

from dangjian.assess import services, survey
from dangjian.assess.models import Participant, Result, SurveyLink
from dangjian.core.models import AuditLog
from dangjian.core.services import OutOfScope
from dangjian.flows.publishing import publish_assessment
from schemes import S01, county_scheme, given

pytestmark = pytest.mark.django_db
INVALID = "该测评链接无效或已使用"

# Villages: 80 points given by the level above, 20 from the residents; more than half dissatisfied → D.
SCHEME = county_scheme(
    given(80),
    S01,
    category="工作",
    total="100",
    grades="{A: 90, B: 80, C: 60}",
    weak_floors="{农村: 10%}",
    survey_fail_share="50%",
)


@pytest.fixture
def assessment(region, county_user):
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    return services.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )


def participant(assessment, code):
    return Participant.objects.get(assessment=assessment, code=code)


@pytest.fixture
def village(assessment):
    return participant(assessment, "T-VILLAGE")


def one_link(village, county_user):
    return survey.create_links(village, 1, actor=county_user)[0].token


def test_a_link_answers_once_and_only_once_without_login(village, county_user):
    token = one_link(village, county_user)
    resident = Client()

    page = resident.get(f"/s/{token}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "青松村党支部" in body
    for label in ("满意", "基本满意", "不满意"):
        assert f">{label}</button>" in body
    assert resident.post(f"/s/{token}/", {"answer": "satisfied"}).status_code == 200

    again = resident.post(f"/s/{token}/", {"answer": "dissatisfied"})
    assert again.status_code == 404 and INVALID in again.content.decode()
    assert resident.get(f"/s/{token}/").status_code == 404
    link = SurveyLink.objects.get(token=token)
    assert link.answer == "satisfied" and link.used_at is not None


def test_the_service_lets_a_link_count_once(village, county_user):
    token = one_link(village, county_user)
    survey.answer(token, "fair")
    with pytest.raises(survey.LinkUnusable):
        survey.answer(token, "dissatisfied")
    assert list(SurveyLink.objects.values_list("answer", flat=True)) == ["fair"]


def test_an_unknown_token_looks_exactly_like_a_used_one(village, county_user):
    response = Client().get("/s/no-such-token/")
    assert response.status_code == 404
    assert INVALID in response.content.decode()
    assert "青松村" not in response.content.decode()


def test_a_bad_choice_is_refused_in_chinese_and_the_link_stays_usable(village, county_user):
    token = one_link(village, county_user)
    response = Client().post(f"/s/{token}/", {"answer": "delighted"})
    assert response.status_code == 400
    assert "请选择“满意”“基本满意”或“不满意”" in response.content.decode()
    assert SurveyLink.objects.get(token=token).used_at is None


def test_the_form_is_csrf_protected(village, county_user):
    token = one_link(village, county_user)
    assert Client(enforce_csrf_checks=True).post(f"/s/{token}/", {"answer": "satisfied"}).status_code == 403
    assert SurveyLink.objects.get(token=token).used_at is None


def test_nothing_about_the_respondent_is_kept(village, county_user, reader):
    tokens = [link.token for link in survey.create_links(village, 2, actor=county_user)]
    made = AuditLog.objects.get(object_type="participant", detail__contains="测评链接")
    assert made.after == {"participant": "T-VILLAGE", "survey_links": 2}
    signed_in = Client(REMOTE_ADDR="10.9.8.7")
    signed_in.force_login(reader)
    audits = AuditLog.objects.count()

    assert signed_in.post(f"/s/{tokens[0]}/", {"answer": "dissatisfied"}).status_code == 200
    assert Client(REMOTE_ADDR="10.9.8.6").post(f"/s/{tokens[1]}/", {"answer": "satisfied"}).status_code == 200

    assert AuditLog.objects.count() == audits  # no row to tie an answer to an address or an account
    stored = repr(list(AuditLog.objects.values()))
    assert not any(token in stored for token in tokens)
    row = SurveyLink.objects.filter(token=tokens[0]).values().get()
    assert set(row) == {"id", "participant_id", "token", "answer", "used_at"}


def test_a_signed_in_user_held_for_a_password_change_can_still_answer(village, county_user, reader):
    token = one_link(village, county_user)
    client = Client()
    client.force_login(reader)
    session = client.session
    session["dangjian_must_change"] = "forced"
    session.save()
    assert client.get("/assess/").status_code == 302  # held on the password page elsewhere
    response = client.get(f"/s/{token}/")
    assert response.status_code == 200 and "青松村党支部" in response.content.decode()


def test_answers_feed_the_survey_indicator_and_a_dissatisfied_majority_makes_d(assessment, county_user, town_user):
    village, birch = participant(assessment, "T-VILLAGE"), participant(assessment, "T-BIRCH")
    services.enter(village, "G01", "80", actor=town_user)
    services.enter(birch, "G01", "70", actor=town_user)
    resident = Client()
    for token, choice in zip(
        [link.token for link in survey.create_links(village, 5, actor=county_user)],
        ["satisfied", "dissatisfied", "dissatisfied", "dissatisfied"],  # the fifth link stays unused
        strict=False,
    ):
        assert resident.post(f"/s/{token}/", {"answer": choice}).status_code == 200
    for token, choice in zip([link.token for link in survey.create_links(birch, 2, actor=county_user)],
                             ["satisfied", "fair"], strict=True):  # fmt: skip
        survey.answer(token, choice)

    services.run_assessment(assessment, actor=county_user)

    results = {r.participant.code: r for r in Result.objects.select_related("participant")}
    # Village: 80 + 20 × 1/4 = 85, but 3 of 4 dissatisfied (> 50%) → D.
    assert results["T-VILLAGE"].total == Decimal("85.00")
    assert results["T-VILLAGE"].grade == "D"
    assert results["T-VILLAGE"].grade_reasons == ["群众不满意超过 50%（3/4）"]
    # Birch: 70 + 20 × 2/2 = 90 → A.
    assert (results["T-BIRCH"].total, results["T-BIRCH"].grade) == (Decimal("90.00"), "A")
    line = next(ln for ln in results["T-VILLAGE"].lines if ln["code"] == "S01")
    assert (line["points"], line["source"]) == ("5.00", "满意及基本满意 1/4")


def test_answering_and_new_links_are_refused_once_published(assessment, village, county_user):
    token = one_link(village, county_user)
    publish_assessment(assessment, actor=county_user)
    response = Client().post(f"/s/{token}/", {"answer": "satisfied"})
    assert response.status_code == 404 and INVALID in response.content.decode()
    assert SurveyLink.objects.get(token=token).used_at is None
    with pytest.raises(ValidationError, match="已发布"):
        survey.create_links(village, 1, actor=county_user)


@pytest.mark.parametrize("count", [0, -1, 501, "十", "", None])
def test_a_bad_count_is_refused_and_no_link_is_made(village, county_user, count):
    with pytest.raises(ValidationError, match="生成数量应为 1 到 500 之间的整数"):
        survey.create_links(village, count, actor=county_user)
    assert not SurveyLink.objects.exists()


def test_only_the_organizing_department_makes_links(village, town_user, branch_secretary, outsider):
    for user in (town_user, branch_secretary, outsider):
        with pytest.raises(OutOfScope):
            survey.create_links(village, 5, actor=user)
    assert not SurveyLink.objects.exists()


def test_tokens_are_unique_and_short(village, county_user):
    links = survey.create_links(village, 500, actor=county_user)
    tokens = {link.token for link in links}
    assert len(tokens) == 500 and all(len(t) == 16 for t in tokens)


def test_the_manager_makes_links_and_prints_a_sheet_of_qr_codes(login, village, county_user):
    client = login(county_user)
    response = client.post(f"/assess/orgs/{village.pk}/survey/", {"count": "3"})
    assert response.status_code == 302
    token = SurveyLink.objects.first().token
    survey.answer(token, "satisfied")

    sheet = client.get(f"/assess/orgs/{village.pk}/survey/sheet/")
    assert sheet.status_code == 200
    body = sheet.content.decode()
    assert body.count("<svg") == 2  # the answered link is not printed again
    assert body.count("青松村党支部") >= 3
    assert token not in body
    for link in SurveyLink.objects.filter(used_at__isnull=True):
        assert f"http://testserver/s/{link.token}/" in body
    assert "style=" not in body and "<script>" not in body

    page = client.get(f"/assess/orgs/{village.pk}/survey/").context
    c = page["c"]
    assert (c.links, c.answered, c.unanswered, c.satisfied, c.fair, c.dissatisfied) == (3, 1, 2, 1, 0, 0)


def test_a_bad_count_on_the_page_shows_a_chinese_error(login, village, county_user):
    response = login(county_user).post(f"/assess/orgs/{village.pk}/survey/", {"count": "0"})
    assert response.status_code == 400
    assert "生成数量至少为 1" in response.content.decode()
    assert not SurveyLink.objects.exists()


def test_links_for_every_surveyed_organization_at_once(login, assessment, county_user):
    client = login(county_user)
    assert client.post(f"/assess/{assessment.pk}/survey/", {"count": "4"}).status_code == 302
    assert SurveyLink.objects.filter(participant__assessment=assessment).count() == 8
    survey.answer(SurveyLink.objects.first().token, "dissatisfied")
    page = client.get(f"/assess/{assessment.pk}/survey/")
    assert page.status_code == 200
    totals = page.context["totals"]
    assert (totals.links, totals.answered, totals.dissatisfied) == (8, 1, 1)
    assert AuditLog.objects.filter(object_type="assessment", after__survey_links=8).exists()


@pytest.mark.parametrize("who", ["town_user", "branch_secretary", "outsider", "reader"])
def test_survey_pages_are_for_the_organizing_department_only(request, login, assessment, village, county_user, who):
    survey.create_links(village, 2, actor=county_user)
    client = login(request.getfixturevalue(who))
    for url in (
        f"/assess/{assessment.pk}/survey/",
        f"/assess/orgs/{village.pk}/survey/",
        f"/assess/orgs/{village.pk}/survey/sheet/",
    ):
        response = client.get(url)
        assert response.status_code == 404, (who, url)
        assert "/s/" not in response.content.decode()
        assert client.post(url, {"count": "5"}).status_code in (404, 405), (who, url)
    assert SurveyLink.objects.count() == 2


def test_guessing_tokens_is_rate_limited_by_address(settings, village, county_user):
    settings.SURVEY_MISS_RATE = "3/minute"
    token = one_link(village, county_user)
    guesser = Client(REMOTE_ADDR="10.1.1.1")
    for n in range(3):
        assert guesser.get(f"/s/guess{n}/").status_code == 404
    assert guesser.get(f"/s/{token}/").status_code == 429
    # Another address, and valid links answered from one address, are not held up.
    neighbour = Client(REMOTE_ADDR="10.1.1.2")
    for link in survey.create_links(village, 5, actor=county_user):
        assert neighbour.post(f"/s/{link.token}/", {"answer": "satisfied"}).status_code == 200


def test_no_account_is_needed_and_none_is_created(village, county_user):
    users = User.objects.count()
    token = one_link(village, county_user)
    Client().post(f"/s/{token}/", {"answer": "satisfied"})
    assert User.objects.count() == users
