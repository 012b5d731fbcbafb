"""A bulk member import's change set: one IMPORT record hashing a file of every member's before/after, checked by
`dangjian audit verify`, shown and offered to the auditors in scope, carried by backups."""

from __future__ import annotations

import datetime
import gzip
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from dangjian.accounts.duties import Duty
from dangjian.accounts.models import Role
from dangjian.accounts.services import assign_duty
from dangjian.core import changesets
from dangjian.core.audit_verify import verify_chain
from dangjian.core.models import AuditAction, AuditLog
from dangjian.members.models import Member
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.sheets.imports import run_import
from sheets_files import MEMBER_HEADERS, write_csv

from conftest import id_number, make_org, persona

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_import")]  # the fast way writes change sets


def auditor(username, org):
    user = persona(username, org, Role.READ)
    assign_duty(user, Duty.AUDITOR, actor=None)
    return user


def rows(count: int, code: str = "T-VILLAGE", start: int = 300) -> list[list[str]]:
    return [[code, f"导入党员{i}", "男", id_number(start + i), "", "", "2010-07-01"] for i in range(count)]


@pytest.fixture
def imported(region, tmp_path, county_user) -> AuditLog:
    """25 new members of 青松村 and one update of 王春生, imported by the county user."""
    existing = Member.objects.get(name="王春生")
    data = [MEMBER_HEADERS, *rows(25), ["T-VILLAGE", "王春生改", "男", existing.id_number, "", "", ""]]
    report = run_import("members", write_csv(tmp_path / "m.csv", data), county_user)
    assert report.ok and (report.created, report.updated) == (25, 1), report.errors
    return AuditLog.objects.get(action=AuditAction.IMPORT)


def test_the_change_set_holds_every_member_the_import_wrote(imported):
    changeset = imported.after["changeset"]
    lines = list(changesets.read_rows(changeset))
    assert len(lines) == changeset["rows"] == 26
    assert {line["action"] for line in lines} == {"create", "update"}
    update = next(line for line in lines if line["action"] == "update")
    assert (update["before"]["name"], update["after"]["name"]) == ("王春生", "王春生改")
    with gzip.open(changesets.path_of(changeset["file"]), "rt", encoding="utf-8") as raw:
        assert "990101" not in raw.read()  # no clear ID number (nor phone) in the file, as in the per-row records
    assert verify_chain().ok


def test_verify_reports_a_missing_change_set_and_exits_1(imported, capsys):
    changesets.path_of(imported.after["changeset"]["file"]).unlink()
    result = verify_chain()
    assert not result.ok
    [problem] = result.breaks
    assert problem.seq == imported.seq and "变更集文件" in problem.problem and "缺失" in problem.problem
    with pytest.raises(CommandError) as raised:
        call_command("audit", "verify")
    assert raised.value.returncode == 1
    assert "缺失" in capsys.readouterr().out


def test_verify_reports_an_altered_change_set(imported):
    path = changesets.path_of(imported.after["changeset"]["file"])
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    lines.pop()  # one member's trail removed, the file recompressed: a valid gzip, but not the one recorded
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    [problem] = verify_chain().breaks
    assert "被改动（校验值不符）" in problem.problem


def test_the_auditor_sees_the_first_rows_and_downloads_the_file_as_an_export(imported, region, login):
    client = login(auditor("north_auditor", region.north))
    page = client.get(f"/audit/{imported.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "导入变更集" in body and "完好" in body and "导入党员0" in body and "青松村党支部" in body
    assert len(page.context["preview"]) == 20 and "共 26 行" in body
    download = client.get(f"/audit/{imported.pk}/changeset/")
    assert download.status_code == 200 and download["Content-Type"] == "application/gzip"
    content = gzip.decompress(b"".join(download.streaming_content)).decode()
    assert [json.loads(line)["id"] for line in content.splitlines()][:1] == [
        next(changesets.read_rows(imported.after["changeset"], 1))["id"]
    ]
    export = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert f"第 {imported.seq} 条" in export.detail and export.org_path == region.village.path


def test_an_auditor_outside_the_import_sees_neither_the_record_nor_the_file(imported, region, login):
    client = login(auditor("south_auditor", region.south))
    assert client.get(f"/audit/{imported.pk}/").status_code == 404
    assert client.get(f"/audit/{imported.pk}/changeset/").status_code == 404
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_record_without_a_change_set_has_no_download(imported, region, login):
    client = login(auditor("north_auditor", region.north))
    other = AuditLog.objects.filter(org_path__startswith=region.north.path).exclude(pk=imported.pk).first()
    assert client.get(f"/audit/{other.pk}/changeset/").status_code == 404


def test_a_broken_file_is_flagged_on_the_page_and_not_offered(imported, region, login):
    changesets.path_of(imported.after["changeset"]["file"]).unlink()
    client = login(auditor("north_auditor", region.north))
    body = client.get(f"/audit/{imported.pk}/").content.decode()
    assert "缺失" in body and f"/audit/{imported.pk}/changeset/" not in body
    assert client.get(f"/audit/{imported.pk}/changeset/").status_code == 404


def test_backups_carry_the_change_sets_and_restore_them(imported, tmp_path):
    path = changesets.path_of(imported.after["changeset"]["file"])
    content = path.read_bytes()
    saved = tmp_path / "b.zip"
    call_command("backup", str(saved))
    path.unlink()
    call_command("restore", str(saved), "--force")
    assert path.read_bytes() == content
    assert verify_chain().ok


def test_a_member_page_names_the_import_that_changed_it(imported, region, login, county_user):
    member = Member.objects.get(name="导入党员3")
    body = login(county_user).get(f"/members/{member.pk}/").content.decode()
    assert "批量导入" in body and "m.csv" in body
    untouched = Member.objects.get(name="孙白桦")
    assert "m.csv" not in login(county_user).get(f"/members/{untouched.pk}/").content.decode()


def test_pruning_an_old_import_removes_its_change_set(db, tmp_path, django_capture_on_commit_callbacks):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=300), tick=False):
        city = make_org(None, "示范市委", "T-CITY", OrgKind.CITY_COMMITTEE, Level.CITY)
        make_org(city, "青松村党支部", "T-VILLAGE", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
        run_import("members", write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, *rows(3)]), None)
    old = AuditLog.objects.get(action=AuditAction.IMPORT)
    path = changesets.path_of(old.after["changeset"]["file"])
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("audit", "prune", "--before", (timezone.localdate() - datetime.timedelta(days=200)).isoformat())
    assert not AuditLog.objects.filter(pk=old.pk).exists() and not path.exists()
    assert verify_chain().ok


def test_a_change_set_that_cannot_be_written_keeps_the_whole_import_out(region, tmp_path, county_user, monkeypatch):
    """The file is compressed and written in a thread of its own: a full disk there still stops the import, and
    neither members nor a file nor a record are left."""
    before = Member.objects.count()

    def full(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(changesets.gzip.GzipFile, "write", full)
    path = write_csv(tmp_path / "m.csv", [MEMBER_HEADERS, *rows(30)])
    with pytest.raises(OSError, match="No space left"):
        run_import("members", path, county_user)
    assert Member.objects.count() == before
    assert not AuditLog.objects.filter(action=AuditAction.IMPORT).exists()
    assert list(changesets.folder().glob("*.jsonl.gz")) == []
