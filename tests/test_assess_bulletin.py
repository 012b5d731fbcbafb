"""The annual assessment bulletin (考核结果通报, issue #19 point 4) and publishing's confirmation step.

The story: 漠北县's assessment of its two villages, 青松村 85 + 是 = 95.00 (A), 白桦村 60 + 否 = 60.00; the floor of
15% of two villages is one, so 白桦村, the lower, is weak. Published on 2027-01-15.
"""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from docx import Document

from dangjian.assess import services
from dangjian.assess.models import Assessment, Participant
from dangjian.core.models import AuditAction, AuditLog
from dangjian.rectify.models import Case
from office import pages, to_pdf
from schemes import Y01, county_scheme, given

pytestmark = pytest.mark.django_db

SCHEME = county_scheme(given(90), Y01, total="100", weak_floors="{农村: 15%}")
TITLE = "关于2026年度基层党组织建设考核结果的通报"
PUBLISHED = timezone.make_aware(datetime.datetime(2027, 1, 15, 10))


@pytest.fixture
def assessment(region, county_user, town_user):
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    assessment = services.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )
    for code, points, yes in (("T-VILLAGE", "85", "是"), ("T-BIRCH", "60", "否")):
        participant = Participant.objects.get(code=code)
        services.enter(participant, "G01", points, actor=town_user)
        services.enter(participant, "Y01", yes, actor=town_user)
    services.run_assessment(assessment, actor=county_user)
    return assessment


def publish(login, user, assessment):
    """Publish on PUBLISHED, logged in that day (sessions expire); the client stays logged in afterwards. The job
    runs in the request (JOBS_INLINE; test_background_jobs.py runs jobs through the worker)."""
    with override_settings(JOBS_INLINE=True), time_machine.travel(PUBLISHED, tick=False):
        client = login(user)
        response = client.post(f"/assess/{assessment.pk}/publish/", {"confirm": "on"})
    return client, response


def docx_of(response) -> tuple[str, list[list[str]], Document]:
    doc = Document(io.BytesIO(b"".join(response.streaming_content)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    return text, cells, doc


def test_publishing_asks_for_confirmation_first(assessment, county_user, login):
    client = login(county_user)
    detail = client.get(f"/assess/{assessment.pk}/").content.decode()
    assert f'href="/assess/{assessment.pk}/publish/"' in detail  # a link to the confirmation, not a one-click form

    page = client.get(f"/assess/{assessment.pk}/publish/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "不可撤销" in body and "开启整顿案件" in body and "最近一次计算为 1 个" in body

    refused = client.post(f"/assess/{assessment.pk}/publish/", {})
    assert refused.status_code == 400
    assert "请勾选确认后再发布" in refused.content.decode()
    assessment.refresh_from_db()
    assert not assessment.published and not Case.objects.exists()

    client, response = publish(login, county_user, assessment)
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    assert "考核结果已发布并冻结" in client.get(response["Location"]).content.decode()
    assessment.refresh_from_db()
    assert assessment.published and Case.objects.filter(org__code="T-BIRCH").exists()
    assert client.get(f"/assess/{assessment.pk}/publish/").status_code == 404  # nothing left to confirm


def test_the_bulletin_is_written_from_the_published_results_in_official_layout(assessment, county_user, login):
    assert login(county_user).get(f"/assess/{assessment.pk}/bulletin.docx").status_code == 404  # not published
    client, _ = publish(login, county_user, assessment)
    assert "考核结果通报（Word）" in client.get(f"/assess/{assessment.pk}/results/").content.decode()

    before = AuditLog.objects.filter(action=AuditAction.EXPORT).count()
    response = client.get(f"/assess/{assessment.pk}/bulletin.docx")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response["Content-Type"].endswith("wordprocessingml.document")
    text, cells, doc = docx_of(response)

    lines = text.splitlines()
    assert lines[0] + lines[1] == TITLE and lines[1] == "考核结果的通报"  # broken at a phrase
    assert lines[2] == "各乡镇党委，县直各党（工）委、党组："
    assert "中共漠北县委组织部对全县2个基层党组织开展了2026年度考核" in text
    assert "评定为A（优秀）1个，B（良好）0个，C（一般）1个，D（较差）0个。" in text
    assert "比例线测算为：农村 2 个 × 15% = 1个" in text
    assert "全县共确定软弱涣散基层党组织1个" in text
    for heading in ("一、考核等次情况", "二、软弱涣散基层党组织的确定", "三、软弱涣散基层党组织名单", "四、有关要求"):
        assert heading in lines
    # The tables: the grade distribution, the quota arithmetic, the weak list, the attachment's grade table.
    assert cells[0] == ["党建类型", "参评组织（个）", "A（优秀）", "B（良好）", "C（一般）", "D（较差）"]
    assert cells[1:3] == [["农村", "2", "1", "0", "1", "0"], ["合计", "2", "1", "0", "1", "0"]]
    assert cells[4] == ["农村", "2", "15%", "1", "0", "1"]  # 2 × 15% = 0.3, up to 1; no D; one weak
    weak = next(row for row in cells if row[1] == "白桦村党支部" and len(row) == 7)
    assert weak[:6] == ["1", "白桦村党支部", "松岭镇党委", "农村", "60.00", "C"]
    assert "农村 2 个 × 15% = 1" in weak[6]
    graded = [row for row in cells if len(row) == 6 and row[1].endswith("村党支部")]
    assert [(row[1], row[4]) for row in graded] == [("青松村党支部", "95.00"), ("白桦村党支部", "60.00")]
    # Issuer and date (the day it was published), then the attachment.
    assert lines.index("中共漠北县委组织部") + 1 == lines.index("2027年1月15日")
    assert "附件：2026年度各基层党组织考核等次表" in lines
    # Fonts by name with a fallback: the title's 方正小标宋简体 declared with 宋体 for where it is missing.
    title_fonts = doc.paragraphs[0].runs[0]._element.rPr.rFonts
    assert title_fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "方正小标宋简体"
    font_table = next(r.target_part.blob for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="SimSun"/>' in font_table.decode()
    # Recorded as an export.
    entry = AuditLog.objects.filter(action=AuditAction.EXPORT).order_by("-seq").first()
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == before + 1
    assert entry.user == county_user and TITLE in entry.detail


def test_the_bulletin_prints_with_the_sign_off_on_the_text_s_last_page(assessment, county_user, login, tmp_path):
    client, _ = publish(login, county_user, assessment)
    source = tmp_path / "bulletin.docx"
    source.write_bytes(b"".join(client.get(f"/assess/{assessment.pk}/bulletin.docx").streaming_content))
    printed = pages(to_pdf(source))

    assert TITLE in printed[0] and "各乡镇党委，县直各党（工）委、党组：" in printed[0]
    last = next(i for i, page in enumerate(printed) if "附件：2026年度各基层党组织考核等次表" in page)
    assert "中共漠北县委组织部" in printed[last] and "2027年1月15日" in printed[last]
    annex = next(i for i, page in enumerate(printed) if "2026年度各基层党组织考核等次表序号" in page)
    assert annex > last and "青松村党支部" in printed[annex]  # the attachment on a page of its own


def test_only_the_organizing_department_downloads_the_bulletin(assessment, county_user, town_user, outsider, login):
    publish(login, county_user, assessment)
    before = AuditLog.objects.order_by("-seq").first().seq
    for user in (town_user, outsider):
        assert login(user).get(f"/assess/{assessment.pk}/bulletin.docx").status_code == 404
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT, seq__gt=before).exists()


def test_a_participant_reads_the_scheme_it_is_assessed_by(assessment, county_user, town_user, branch_secretary, login):
    """The assessment's page links its 考核方案; a town and a branch assessed by it may follow the link."""
    scheme = assessment.scheme
    for user in (town_user, branch_secretary):
        client = login(user)
        detail = client.get(f"/assess/{assessment.pk}/").content.decode()
        assert f'href="/assess/schemes/{scheme.pk}/"' in detail
        page = client.get(f"/assess/schemes/{scheme.pk}/")
        assert page.status_code == 200 and "工作成效" in page.content.decode()
        assert client.get(f"/assess/schemes/{scheme.pk}/scheme.yaml").status_code == 200
        assert client.get(f"/assess/schemes/{scheme.pk}/edit/").status_code == 404  # reading, not editing


def test_a_scheme_stays_hidden_from_those_it_does_not_assess(assessment, outsider, login):
    client = login(outsider)
    assert client.get(f"/assess/schemes/{assessment.scheme.pk}/").status_code == 404
    assert client.get(f"/assess/schemes/{assessment.scheme.pk}/scheme.yaml").status_code == 404
    assert Assessment.objects.count() == 1
