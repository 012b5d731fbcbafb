"""Import → export → import changes nothing: an exported register is a valid import file of the same data."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.models import AuditAction, AuditLog
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.sheets.imports import run_import
from dangjian.sheets.models import ImportJob, JobStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("both_import_ways")]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.IMPORT_JOBS_INLINE = True
    return tmp_path


def fingerprint() -> str:
    """Every stored value of organizations and members (ID number and phone decrypted), as one hash."""
    orgs = [
        [getattr(o, f.attname) for f in Organization._meta.concrete_fields if f.name != "updated_at"]
        for o in Organization.objects.order_by("pk")
    ]
    members = [
        [getattr(m, f.attname) for f in Member._meta.concrete_fields if f.name != "updated_at"]
        for m in Member.objects.order_by("pk")
    ]
    return hashlib.sha256(repr([orgs, members]).encode()).hexdigest()


def exported(client, url: str, path):
    response = client.get(url)
    assert response.status_code == 200
    path.write_bytes(b"".join(response.streaming_content))
    return path


def with_unmask(user):
    user.user_permissions.add(Permission.objects.get(codename="unmask_member"))
    return type(user).objects.get(pk=user.pk)


def test_members_exported_and_imported_again_change_nothing(county_user, login, tmp_path):
    user = with_unmask(county_user)
    client = login(user)
    before = fingerprint()
    path = exported(client, "/sheets/export/members/", tmp_path / "党员名册.xlsx")

    report = run_import("members", path, user)

    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)  # the county's four members
    assert fingerprint() == before


def test_organizations_exported_and_imported_again_change_nothing(city_admin, login, tmp_path):
    client = login(city_admin)
    before = fingerprint()
    path = exported(client, "/sheets/export/orgs/", tmp_path / "党组织名册.xlsx")

    report = run_import("orgs", path, city_admin)

    assert report.ok, report.errors
    assert report.created == report.updated == 0
    assert report.unchanged == Organization.objects.count()
    assert fingerprint() == before


def test_a_county_can_reimport_its_own_export_of_organizations(county_user, region, login, tmp_path):
    """The county's top organization names a parent outside the county; importing it back must still work."""
    before = fingerprint()
    path = exported(login(county_user), "/sheets/export/orgs/", tmp_path / "党组织名册.xlsx")
    report = run_import("orgs", path, county_user)
    assert report.ok, report.errors
    assert report.unchanged == Organization.objects.filter(path__startswith=region.north.path).count() == 4
    assert report.created == report.updated == 0
    assert fingerprint() == before


def test_the_round_trip_through_the_web_pages(county_user, login, tmp_path):
    """Import a new member on the import page, export the list, upload the export: nothing more changes."""
    from test_sheets_web import member_row, xlsx

    client = login(with_unmask(county_user))
    client.post("/sheets/import/members/", {"file": xlsx([member_row("周新人", 31)]), "mode": "import"})
    assert Member.objects.filter(name="周新人").exists()
    before = fingerprint()

    body = exported(client, "/sheets/export/members/?org_code=T-VILLAGE", tmp_path / "x.xlsx").read_bytes()
    response = client.post(
        "/sheets/import/members/", {"file": SimpleUploadedFile("党员名册.xlsx", body), "mode": "import"}
    )
    assert response.status_code == 302
    job = ImportJob.objects.latest("pk")
    assert job.status == JobStatus.DONE, job.message
    assert (job.created, job.updated, job.unchanged, job.rejected) == (0, 0, 4, 0)
    assert fingerprint() == before
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == 1


def test_a_masked_export_cannot_overwrite_id_numbers_with_stars(county_user, login, tmp_path):
    """Without the unmask permission the export carries masked ID numbers; importing it back writes nothing."""
    before = fingerprint()
    path = exported(login(county_user), "/sheets/export/members/", tmp_path / "党员名册.xlsx")
    report = run_import("members", path, county_user)
    assert not report.ok
    assert fingerprint() == before
    assert "公民身份号码" in report.errors[0].message
