"""The data directory is its owner's alone: folders 0700, files 0600 — the database SQLite creates and its -wal and
-shm files, the generated keys, uploaded evidence, backups — for a new installation and, from its next start, for an
older one whose files were world-readable. The command runs as a real process started with the usual umask 022."""

from __future__ import annotations

import datetime
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from dangjian.assess import services
from dangjian.assess.models import Participant
from dangjian.core.files import open_private, private_dir, tighten, write_private
from dangjian.rectify.bulletin import write_quarterly
from upload_samples import PDF

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
# Run inside `dangjian shell`: touch the database so SQLite opens its -wal and -shm files, then list every mode.
LIST_MODES = """
import json, os, stat
from django.conf import settings
from django.contrib.auth.models import User
User.objects.exists()
root = settings.DATA_DIR
modes = {".": oct(stat.S_IMODE(root.stat().st_mode))}
for folder, dirs, names in os.walk(root):
    for name in dirs + names:
        path = os.path.join(folder, name)
        modes[os.path.relpath(path, root)] = oct(stat.S_IMODE(os.lstat(path).st_mode))
print(json.dumps(modes))
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def dangjian(data_dir: Path, *args: str) -> str:
    """The console command in a process of its own on SQLite, as an operator would start it (umask 022)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_") and k != "DATABASE_URL"}
    env["DANGJIAN_DATA_DIR"] = str(data_dir)
    done = subprocess.run(  # noqa: S603 - our own console script with fixed arguments
        [str(Path(sys.executable).with_name("dangjian")), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),  # noqa: PLW1509 - only sets the umask, no threads involved
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def modes_while_open(data_dir: Path) -> dict[str, str]:
    return json.loads(dangjian(data_dir, "shell", "-c", LIST_MODES).strip().splitlines()[-1])


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A new installation: `dangjian migrate` into a data directory that does not exist yet."""
    data_dir = tmp_path_factory.mktemp("install") / "dangjian-data"
    dangjian(data_dir, "migrate", "-v0")
    return data_dir


def test_a_new_installation_is_the_owners_alone(installed):
    modes = modes_while_open(installed)
    assert {"dangjian.sqlite3", "dangjian.sqlite3-wal", "dangjian.sqlite3-shm", "secret_key", "field_key"} <= set(modes)
    assert modes["."] == "0o700"
    assert {name: m for name, m in modes.items() if name != "." and m != "0o600"} == {}


def test_an_older_world_readable_installation_is_tightened_at_the_next_start(installed):
    evidence = installed / "files" / "assess" / "evidence" / "2026"
    evidence.mkdir(parents=True)
    (evidence / "会议记录.pdf").write_bytes(PDF)
    for folder, _dirs, names in os.walk(installed):
        Path(folder).chmod(0o755)
        for name in names:
            Path(folder, name).chmod(0o644)
    modes = modes_while_open(installed)
    assert modes["."] == "0o700"
    assert modes["files"] == modes["files/assess/evidence/2026"] == "0o700"
    assert modes["files/assess/evidence/2026/会议记录.pdf"] == modes["dangjian.sqlite3"] == "0o600"
    assert modes["dangjian.sqlite3-wal"] == modes["dangjian.sqlite3-shm"] == "0o600"


@pytest.mark.django_db
def test_uploaded_evidence_and_its_folder_are_the_owners_alone(
    region, county_user, branch_secretary, login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "files"
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=SCHEME)
    services.open_assessment(actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31))
    village = Participant.objects.get(code="T-VILLAGE")
    old = os.umask(0o022)  # as a server started without `dangjian`'s own umask: files would be 0644
    try:
        login(branch_secretary).post(
            f"/assess/orgs/{village.pk}/evidence/", {"file": SimpleUploadedFile("会议记录.pdf", PDF)}
        )
    finally:
        os.umask(old)
    stored = village.evidence.get().file.path
    assert mode(Path(stored)) == 0o600
    assert {mode(folder) for folder in Path(stored).parents if tmp_path in folder.parents} == {0o700}


@pytest.mark.django_db
def test_a_backup_file_is_the_owners_alone(region, tmp_path):
    old = os.umask(0o022)
    try:
        call_command("backup", str(tmp_path / "dangjian.zip"))
    finally:
        os.umask(old)
    assert mode(tmp_path / "dangjian.zip") == 0o600


def test_the_helpers_make_files_and_folders_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        folder = private_dir(tmp_path / "a" / "b")
        write_private(folder / "key", "secret")
        loose = folder / "loose.txt"
        loose.write_text("old")
        loose.chmod(0o644)
        with open_private(loose, "w") as handle:  # an existing wider file is narrowed as it is rewritten
            handle.write("new")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a") == mode(folder) == 0o700
    assert mode(folder / "key") == mode(loose) == 0o600 and loose.read_text() == "new"


def test_tightening_keeps_owner_rights_and_leaves_links_alone(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    (data / "readonly_key").write_text("k")
    (data / "readonly_key").chmod(0o444)
    outside = tmp_path / "shared.txt"
    outside.write_text("not ours")
    outside.chmod(0o644)
    (data / "link").symlink_to(outside)
    assert tighten(data) == 2
    assert mode(data) == 0o700 and mode(data / "readonly_key") == 0o400
    assert mode(outside) == 0o644


@pytest.mark.django_db
def test_a_written_bulletin_and_its_folder_are_the_owners_alone(region, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    old = os.umask(0o022)
    try:
        written = write_quarterly(2026, 4, org=region.town)
    finally:
        os.umask(old)
    assert written and {mode(path) for path in written} == {0o600}
    assert mode(written[0].parent) == 0o700
