"""The one upload and download path of evidence and photos (`core/evidence.py`, `core/evidence_views.py`), met
through two apps that use it: a meeting's photos (partylife) and a rectification ledger entry's evidence (rectify).
A file of the wrong type or over 20 MB is refused in Chinese naming the file and nothing is kept; someone from
another county gets a 404 for the upload and the download, and changes nothing; an accepted file lands under its
app's folder and year, comes back under its own name, never cached, and a photo gets a thumbnail."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from dangjian.core.evidence import UploadRule
from dangjian.core.models import AuditLog
from dangjian.core.uploads import MAX_UPLOAD_BYTES
from dangjian.partylife.choices import MeetingKind
from dangjian.partylife.models import MeetingPhoto
from dangjian.partylife.services import Presence, record_meeting
from dangjian.rectify import services as rectify
from dangjian.rectify.models import Case, LedgerFile
from test_rectify_services import published_assessment
from upload_samples import JPEG

pytestmark = pytest.mark.django_db
TOO_LARGE = JPEG + b"\x00" * MAX_UPLOAD_BYTES


@pytest.fixture(autouse=True)
def _spring_2027():
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.DATA_DIR = tmp_path


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def meeting(region):
    people = [Presence(m, True) for m in region.village.members.all()]
    return record_meeting(
        actor=None,
        org=region.village,
        kind=MeetingKind.COMMITTEE,
        date=datetime.date(2027, 2, 6),
        topic="支委会",
        people=people,
    )


@pytest.fixture
def measure(region, county_user, town_user):
    published_assessment(region, county_user, town_user)
    case = Case.objects.get(org=region.birch)
    return rectify.add_measure(
        case, actor=town_user, problem="p", action="a", responsible="r", deadline=datetime.date(2027, 5, 1)
    )


def audit_count() -> int:
    return AuditLog.objects.count()


def test_meeting_photos_refuse_a_wrong_type_and_a_too_large_file_in_chinese(login, meeting, county_user):
    client = login(county_user)
    url = f"/partylife/meetings/{meeting.pk}/photos/"
    before = audit_count()  # after the login's own record

    response = client.post(url, {"photos": [SimpleUploadedFile("会场.exe", b"MZ")]})
    assert response.status_code == 400
    assert "「会场.exe」：会议照片只接受 JPEG、PNG、GIF、WebP 或 HEIC 图片" in response.content.decode()

    response = client.post(url, {"photos": [SimpleUploadedFile("会场.jpg", TOO_LARGE)]})
    assert response.status_code == 400 and "「会场.jpg」：会议照片不能超过 20 MB。" in response.content.decode()

    fake = SimpleUploadedFile("会场.jpg", b"<html>not a photo</html>")
    response = client.post(url, {"photos": [fake]})
    assert response.status_code == 400 and "文件内容不是 JPEG 图片" in response.content.decode()

    assert not MeetingPhoto.objects.exists() and audit_count() == before


def test_an_outsider_can_neither_add_nor_fetch_a_meeting_photo(login, meeting, county_user, outsider):
    url = f"/partylife/meetings/{meeting.pk}/photos/"
    outside = login(outsider)
    before = audit_count()
    response = outside.post(url, {"photos": [SimpleUploadedFile("会场.jpg", JPEG)]})
    assert response.status_code == 404 and not MeetingPhoto.objects.exists() and audit_count() == before

    response = login(county_user).post(url, {"photos": [SimpleUploadedFile("会场.jpg", JPEG)]})
    assert response.status_code == 302 and response["Location"] == f"/partylife/meetings/{meeting.pk}/"
    photo = MeetingPhoto.objects.get()
    assert photo.file.name.startswith("partylife/meetings/2027/") and photo.original_name == "会场.jpg"
    assert (photo.size, photo.uploaded_by, photo.uploaded_at) == (len(JPEG), county_user, timezone.now())
    assert AuditLog.objects.filter(detail="上传会议照片").count() == 1

    shown = login(county_user).get(f"/partylife/photos/{photo.pk}/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert shown["Content-Disposition"].startswith("inline") and "no-store" in shown["Cache-Control"]
    assert b"".join(shown.streaming_content) == JPEG
    assert outside.get(f"/partylife/photos/{photo.pk}/").status_code == 404


def test_the_meeting_keeps_at_most_nine_photos(login, meeting, county_user):
    client = login(county_user)
    url = f"/partylife/meetings/{meeting.pk}/photos/"
    photos = [SimpleUploadedFile(f"{n}.jpg", JPEG) for n in range(8)]
    assert client.post(url, {"photos": photos}).status_code == 302
    response = client.post(url, {"photos": [SimpleUploadedFile("a.jpg", JPEG), SimpleUploadedFile("b.jpg", JPEG)]})
    assert response.status_code == 400 and "每次会议最多上传 9 张照片。" in response.content.decode()
    assert MeetingPhoto.objects.count() == 8


def test_ledger_evidence_refuses_a_wrong_type_and_a_too_large_file_in_chinese(login, measure, town_user):
    client = login(town_user)
    url = f"/rectify/measures/{measure.pk}/entries/add/"
    form = {"date": "2027-02-01", "content": "召开党员大会"}

    response = client.post(url, {**form, "files": [SimpleUploadedFile("病毒.exe", b"MZ")]})
    assert response.status_code == 400
    assert "「病毒.exe」：台账佐证只接受 PDF、图片、Word、Excel 或文本文件" in response.content.decode()

    response = client.post(url, {**form, "files": [SimpleUploadedFile("现场.jpg", TOO_LARGE)]})
    assert response.status_code == 400 and "「现场.jpg」：台账佐证不能超过 20 MB。" in response.content.decode()
    assert not measure.entries.exists() and not LedgerFile.objects.exists()


def test_an_outsider_can_neither_add_nor_fetch_ledger_evidence(login, measure, town_user, outsider):
    url = f"/rectify/measures/{measure.pk}/entries/add/"
    form = {"date": "2027-02-01", "content": "召开党员大会"}
    outside = login(outsider)
    before = audit_count()
    response = outside.post(url, {**form, "files": [SimpleUploadedFile("现场.png", png())]})
    assert response.status_code == 404 and not LedgerFile.objects.exists() and audit_count() == before

    response = login(town_user).post(url, {**form, "files": [SimpleUploadedFile("现场.png", png())]})
    assert response.status_code == 302
    item = LedgerFile.objects.get()
    assert item.file.name.startswith("rectify/2027/") and item.is_image

    town = login(town_user)
    download = town.get(f"/rectify/files/{item.pk}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert "no-store" in download["Cache-Control"] and download["Content-Type"] == "image/png"
    thumb = town.get(f"/rectify/files/{item.pk}/thumb.jpg")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(b"".join(thumb.streaming_content))) as small:
        assert max(small.size) == 240

    assert outside.get(f"/rectify/files/{item.pk}/").status_code == 404
    assert outside.get(f"/rectify/files/{item.pk}/thumb.jpg").status_code == 404


def test_a_rule_reports_every_refused_file_and_keys_the_count_to_its_field():
    rule = UploadRule(
        what="照片", allowed=(".jpg",), accepted="图片", field="photos", most=2, too_many="最多 {most} 张。"
    )
    bad = [SimpleUploadedFile("a.png", b"x"), SimpleUploadedFile("b.jpg", b"")]
    assert rule.problems(bad) == ["「a.png」：照片只接受 图片（.jpg）。", "「b.jpg」：文件是空的。"]
    with pytest.raises(ValidationError) as caught:
        rule.check([SimpleUploadedFile("c.jpg", JPEG)], already=2)
    assert caught.value.message_dict == {"photos": ["最多 2 张。"]}
