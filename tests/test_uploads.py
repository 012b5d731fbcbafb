"""Uploaded evidence is checked by its bytes, not its name: an HTML page named `.pdf` is refused with a message naming
the file and the type expected, on every upload field (assessment evidence, ledger files, secretaries' reports);
genuine files of every accepted type go in, and come back out only as downloads the browser will not sniff."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dangjian.assess import review, services
from dangjian.assess.models import Evidence, Participant, SecretaryReview
from dangjian.core.uploads import check_upload
from dangjian.rectify import services as rectify
from dangjian.rectify.models import LedgerFile
from upload_samples import GIF, HEIC, HTML, JPEG, OLE2, PDF, PNG, WEBP, docx, plain_zip, xlsx

pytestmark = pytest.mark.django_db

SCHEME = """
year: 2026
name: 漠北县2026年度考核方案
total: 100
groups:
  - domain: 农村
    categories:
      - name: 班子
        indicators:
          - {code: G01, name: 工作成效, points: 100, method: given}
"""
HTML_AS_PDF = (
    "「通知.pdf」：文件内容不是 PDF 文件，与扩展名 .pdf 不符（可能只是改了扩展名），请另存为 PDF 文件后再上传。"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def village(region, county_user) -> Participant:
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    services.open_assessment(actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31))
    return Participant.objects.get(code="T-VILLAGE")


@pytest.fixture
def measure(region, county_user, town_user):
    case = rectify.open_case(region.village, year=2026, source="inspection", actor=county_user, note="督查发现问题")
    return rectify.add_measure(
        case, actor=town_user, problem="问题", action="措施", responsible="书记", deadline=datetime.date(2027, 6, 30)
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("会议记录.pdf", PDF),
        ("现场.jpg", JPEG),
        ("现场.JPEG", JPEG),
        ("现场.png", PNG),
        ("现场.gif", GIF),
        ("现场.webp", WEBP),
        ("手机照片.heic", HEIC),
        ("方案.doc", OLE2),
        ("方案.docx", docx()),
        ("台账.xls", OLE2),
        ("台账.xlsx", xlsx()),
        ("说明.txt", "三会一课记录".encode()),
        ("说明（记事本）.txt", "三会一课记录".encode("gb18030")),
        ("说明（Unicode）.txt", "三会一课记录".encode("utf-16")),
    ],
)
def test_genuine_files_of_every_accepted_type_are_accepted(name, content):
    assert check_upload(upload(name, content)) == "." + name.rsplit(".", 1)[1].lower()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("通知.pdf", HTML, HTML_AS_PDF),
        (
            "照片.jpg",
            PNG,
            "「照片.jpg」：文件内容不是 JPEG 图片，与扩展名 .jpg 不符（可能只是改了扩展名），"
            "请另存为 JPEG 图片后再上传。",
        ),
        (
            "方案.docx",
            xlsx(),
            "「方案.docx」：文件内容不是 Word 文档，与扩展名 .docx 不符（可能只是改了扩展名），"
            "请另存为 Word 文档后再上传。",
        ),
        (
            "台账.xlsx",
            plain_zip(),
            "「台账.xlsx」：文件内容不是 Excel 工作簿，与扩展名 .xlsx 不符（可能只是改了扩展名），"
            "请另存为 Excel 工作簿后再上传。",
        ),
        (
            "台账.xls",
            HTML,
            "「台账.xls」：文件内容不是 Excel 97-2003 工作簿，与扩展名 .xls 不符（可能只是改了扩展名），"
            "请另存为 Excel 97-2003 工作簿后再上传。",
        ),
        (
            "说明.txt",
            b"MZ\x90\x00\x03\x00\x00\x00",
            "「说明.txt」：文件内容不是文本文件，与扩展名 .txt 不符（可能只是改了扩展名），请另存为文本文件后再上传。",
        ),
        (
            "页面.html",
            HTML,
            "「页面.html」：佐证材料只接受 PDF、图片、Word、Excel 或文本文件"
            "（.pdf、.jpg、.jpeg、.png、.gif、.webp、.heic、.doc、.docx、.xls、.xlsx、.txt）。",
        ),
        ("空白.pdf", b"", "「空白.pdf」：文件是空的。"),
    ],
)
def test_a_file_whose_bytes_are_not_its_extensions_type_is_refused(name, content, message):
    with pytest.raises(ValidationError) as refused:
        check_upload(upload(name, content))
    assert refused.value.messages == [message]


def test_the_evidence_page_refuses_html_named_pdf_and_keeps_nothing(village, branch_secretary, login, tmp_path):
    client = login(branch_secretary)
    response = client.post(
        f"/assess/orgs/{village.pk}/evidence/", {"file": upload("通知.pdf", HTML), "indicator": "G01"}, follow=True
    )
    assert HTML_AS_PDF in response.content.decode()
    assert not Evidence.objects.exists()
    assert not list((tmp_path / "files").rglob("*.pdf"))


def test_the_ledger_refuses_html_named_pdf_among_its_files_and_writes_no_entry(measure, town_user, tmp_path):
    files = [upload("现场.jpg", JPEG), upload("通知.pdf", HTML)]
    with pytest.raises(ValidationError) as refused:
        rectify.add_entry(measure, actor=town_user, date=timezone.localdate(), content="召开组织生活会", files=files)
    assert refused.value.messages == [HTML_AS_PDF]
    assert not measure.entries.exists() and not LedgerFile.objects.exists()


def test_the_ledger_page_names_the_file_refused(measure, town_user, login):
    response = login(town_user).post(
        f"/rectify/measures/{measure.pk}/entries/add/",
        {"date": timezone.localdate().isoformat(), "content": "x", "files": [upload("通知.pdf", HTML)]},
    )
    assert response.status_code == 400
    assert HTML_AS_PDF in response.content.decode()
    assert not measure.entries.exists()


def test_the_report_upload_refuses_html_named_pdf(village, branch_secretary):
    with pytest.raises(ValidationError) as refused:
        review.upload_report(village, upload("通知.pdf", HTML), actor=branch_secretary)
    assert refused.value.messages == [HTML_AS_PDF]
    assert not SecretaryReview.objects.exists()


def test_evidence_comes_back_as_an_attachment_the_browser_does_not_sniff(village, branch_secretary, login):
    item = services.attach_evidence(village, upload("会议记录.pdf", PDF), actor=branch_secretary)
    download = login(branch_secretary).get(f"/assess/evidence/{item.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
