"""The secretaries' review: the organization uploads its secretary's report, the level above rates it, and the rating
is combined with the assessment total by the assessment's weight."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.assess import review, services
from dangjian.assess.models import RATING_POINTS, Participant, Result, SecretaryReview
from dangjian.core.models import AuditLog
from dangjian.core.services import OutOfScope
from dangjian.flows.publishing import publish_assessment
from schemes import county_scheme, given
from upload_samples import OLE2, PDF, docx

pytestmark = pytest.mark.django_db

SCHEME = county_scheme(given(100), category="工作", total="100", weak_floors="{农村: 10%}")
DOCX = docx()
DOC = OLE2


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def assessment(region, county_user):
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    return services.open_assessment(
        actor=county_user,
        scheme=scheme,
        root=region.north,
        cutoff=datetime.date(2026, 12, 31),
        review_weight="0.30",
    )


def participant(assessment, code):
    return Participant.objects.get(assessment=assessment, code=code)


@pytest.fixture
def village(assessment):
    return participant(assessment, "T-VILLAGE")


def upload(name="述职报告.pdf", content=PDF):
    return SimpleUploadedFile(name, content)


def test_the_level_above_rates_and_the_secretary_defaults_from_the_snapshot(village, town_user):
    item = review.rate(village, rating="fairly_good", comment="抓党建有思路", actor=town_user)
    assert (item.secretary, item.rating, item.comment, item.reviewed_by) == (
        "王春生",
        "fairly_good",
        "抓党建有思路",
        town_user,
    )
    record = AuditLog.objects.get(object_type="secretaryreview")
    assert record.after["rating"] == "fairly_good" and record.action == "create"

    review.rate(village, rating="good", secretary="王春生（代）", actor=town_user)
    item.refresh_from_db()
    assert (item.secretary, item.rating) == ("王春生（代）", "good")
    change = AuditLog.objects.filter(object_type="secretaryreview").order_by("-seq").first()
    assert change.before["rating"] == "fairly_good" and change.after["rating"] == "good"


def test_an_organization_never_rates_its_own_secretary(village, branch_secretary, outsider, login):
    for user in (branch_secretary, outsider):
        with pytest.raises(OutOfScope):
            review.rate(village, rating="good", actor=user)
    response = login(branch_secretary).post(
        f"/assess/orgs/{village.pk}/review/", {"secretary": "王春生", "rating": "good"}
    )
    assert response.status_code == 404
    assert not SecretaryReview.objects.exists()


def test_a_rating_outside_the_four_is_refused(village, town_user):
    with pytest.raises(ValidationError, match="请选择评议等次"):
        review.rate(village, rating="excellent", actor=town_user)
    assert not SecretaryReview.objects.exists()


def test_the_organization_uploads_its_report_but_does_not_see_its_rating_before_publishing(
    login, village, branch_secretary, town_user
):
    client = login(branch_secretary)
    response = client.post(f"/assess/orgs/{village.pk}/review/report/", {"report": upload()})
    assert response.status_code == 302
    item = SecretaryReview.objects.get(participant=village)
    assert item.report.name.endswith(".pdf") and item.secretary == "王春生"
    assert AuditLog.objects.filter(object_type="secretaryreview", detail__contains="上传书记述职报告").exists()

    review.rate(village, rating="poor", comment="不够具体", actor=town_user)
    page = client.get(f"/assess/orgs/{village.pk}/review/")
    assert page.status_code == 200
    assert not page.context["rating_visible"] and page.context["form"] is None
    assert "不够具体" not in page.content.decode()
    download = client.get(f"/assess/orgs/{village.pk}/review/report/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF

    rater_page = login(town_user).get(f"/assess/orgs/{village.pk}/review/").content.decode()
    assert "不够具体" in rater_page and "差" in rater_page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("述职报告.exe", PDF, "只接受 PDF 或 Word 文件"),
        ("述职报告.txt", b"hello", "只接受 PDF 或 Word 文件"),
        ("述职报告.pdf", b"MZ\x90\x00 not a pdf", "文件内容不是 PDF 文件，与扩展名 .pdf 不符"),
        ("述职报告.docx", PDF, "文件内容不是 Word 文档，与扩展名 .docx 不符"),
        ("述职报告.doc", DOCX, "文件内容不是 Word 97-2003 文档，与扩展名 .doc 不符"),
    ],
)
def test_a_report_of_the_wrong_type_is_refused(village, branch_secretary, name, content, message):
    with pytest.raises(ValidationError, match=message):
        review.upload_report(village, upload(name, content), actor=branch_secretary)
    assert not SecretaryReview.objects.exists()


@pytest.mark.parametrize(("name", "content"), [("报告.docx", DOCX), ("报告.DOC", DOC), ("报告.pdf", PDF)])
def test_word_and_pdf_reports_are_accepted(village, branch_secretary, name, content):
    item = review.upload_report(village, upload(name, content), actor=branch_secretary)
    assert item.report.name.endswith(name.rsplit(".", 1)[1].lower())


def test_a_report_over_20_mb_is_refused_on_the_page_in_chinese(login, village, branch_secretary):
    big = upload("述职报告.pdf", PDF + b"0" * (20 * 1024 * 1024))
    response = login(branch_secretary).post(f"/assess/orgs/{village.pk}/review/report/", {"report": big})
    assert response.status_code == 400
    assert "述职报告不能超过 20 MB" in response.content.decode()
    assert not SecretaryReview.objects.exists()


def test_the_level_above_rates_on_the_page(login, village, town_user):
    client = login(town_user)
    page = client.get(f"/assess/orgs/{village.pk}/review/")
    assert page.context["form"].initial["secretary"] == "王春生"
    response = client.post(
        f"/assess/orgs/{village.pk}/review/", {"secretary": "王春生", "rating": "average", "comment": "一般"}
    )
    assert response.status_code == 302
    assert SecretaryReview.objects.get(participant=village).rating == "average"
    bad = client.post(f"/assess/orgs/{village.pk}/review/", {"secretary": "王春生", "rating": ""})
    assert bad.status_code == 400 and "请选择评议等次" in bad.content.decode()


def test_combined_score_weighs_the_total_and_the_rating(login, assessment, county_user, town_user):
    village, birch = participant(assessment, "T-VILLAGE"), participant(assessment, "T-BIRCH")
    services.enter(village, "G01", "80", actor=town_user)
    services.enter(birch, "G01", "90", actor=town_user)
    review.rate(village, rating="good", actor=town_user)
    review.rate(birch, rating="poor", secretary="孙白桦", actor=town_user)
    assert (RATING_POINTS["good"], RATING_POINTS["poor"]) == (100, 50)

    services.run_assessment(assessment, actor=county_user)

    combined = dict(Result.objects.values_list("participant__code", "combined"))
    assert combined["T-VILLAGE"] == Decimal("86.00")  # 80 × 0.7 + 100 × 0.3 = 56 + 30
    assert combined["T-BIRCH"] == Decimal("78.00")  # 90 × 0.7 + 50 × 0.3 = 63 + 15
    page = login(county_user).get(f"/assess/orgs/{village.pk}/result/").content.decode()
    assert "86.00" in page and "综合得分（含述职评议）" in page


def test_nothing_changes_once_published(assessment, village, county_user, town_user, branch_secretary, login):
    review.rate(village, rating="good", actor=town_user)
    publish_assessment(assessment, actor=county_user)
    with pytest.raises(ValidationError, match="已发布"):
        review.rate(village, rating="poor", actor=town_user)
    with pytest.raises(ValidationError, match="已发布"):
        review.upload_report(village, upload(), actor=branch_secretary)
    assert SecretaryReview.objects.get(participant=village).rating == "good"
    # Now the organization sees its rating.
    page = login(branch_secretary).get(f"/assess/orgs/{village.pk}/review/")
    assert page.context["rating_visible"] and page.context["report_form"] is None


def test_the_list_counts_ratings_the_user_may_see(login, assessment, town_user, branch_secretary):
    village, birch = participant(assessment, "T-VILLAGE"), participant(assessment, "T-BIRCH")
    review.rate(village, rating="good", actor=town_user)
    review.rate(birch, rating="good", secretary="孙白桦", actor=town_user)

    mine = login(town_user).get(f"/assess/{assessment.pk}/reviews/")
    assert mine.status_code == 200
    assert {c["label"]: c["count"] for c in mine.context["counts"]} == {"好": 2, "较好": 0, "一般": 0, "差": 0}
    assert sorted(row["p"].code for row in mine.context["rows"] if row["rate"]) == ["T-BIRCH", "T-VILLAGE"]

    own = login(branch_secretary).get(f"/assess/{assessment.pk}/reviews/")
    assert [row["p"].code for row in own.context["rows"]] == ["T-VILLAGE"]
    assert sum(c["count"] for c in own.context["counts"]) == 0  # not yet published


def test_another_county_sees_nothing_of_the_review(login, assessment, village, branch_secretary, outsider):
    review.upload_report(village, upload(), actor=branch_secretary)
    client = login(outsider)
    for url in (
        f"/assess/{assessment.pk}/reviews/",
        f"/assess/orgs/{village.pk}/review/",
        f"/assess/orgs/{village.pk}/review/report/file/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "青松村" not in response.content.decode()
    response = client.post(f"/assess/orgs/{village.pk}/review/report/", {"report": upload()})
    assert response.status_code == 404
    assert SecretaryReview.objects.get(participant=village).report.read() == PDF
