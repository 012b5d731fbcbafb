"""`dangjian rotate-field-key`: every encrypted value moves to a new key, search and uniqueness keep working."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dangjian.accounts.models import AccountSecurity
from dangjian.core import crypto, keys
from dangjian.core.models import AuditAction, AuditLog
from dangjian.members.filtersets import MemberFilterSet
from dangjian.members.models import Member

from conftest import id_number, make_member

OLD = "old-field-key-" + "a" * 32


@pytest.fixture(autouse=True)
def key_dir(settings, tmp_path):
    """A data directory whose field_key is the key in use, as in an installation."""
    settings.DATA_DIR = tmp_path
    settings.FIELD_KEY = OLD
    settings.FIELD_KEYS_OLD = []
    settings.FIELD_CIPHER = "aes-gcm"
    (tmp_path / "field_key").write_text(OLD)
    crypto.reload_keys()
    yield tmp_path
    crypto.reload_keys()


def restart(settings, key_dir):
    """What a restarted server sees: the key now in field_key."""
    settings.FIELD_KEY = (key_dir / "field_key").read_text().strip()
    crypto.reload_keys()


def raw_tokens() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM members_member UNION ALL SELECT phone FROM members_member")
        members = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT totp_secret FROM accounts_accountsecurity")
        return members + [row[0] for row in cursor.fetchall()]


@pytest.fixture
def people(region):
    user = User.objects.create_user("otp_user", password="Persona-2026")
    AccountSecurity.objects.update_or_create(user=user, defaults={"totp_secret": "JBSWY3DPEHPK3PXP"})
    return {m.pk: (m.id_number, m.phone) for m in Member.objects.all()}


def test_after_rotation_every_value_reads_the_same_and_search_and_uniqueness_still_hold(
    people, region, settings, key_dir, capsys
):
    call_command("rotate_field_key", "--batch-size", "2")
    out = capsys.readouterr().out
    assert "重新加密" in out and "field_key.1" in out

    assert (key_dir / "field_key.1").read_text().strip() == OLD
    new = (key_dir / "field_key").read_text().strip()
    assert new != OLD and not (key_dir / "field_key.new").exists()
    restart(settings, key_dir)

    assert {m.pk: (m.id_number, m.phone) for m in Member.objects.all()} == people
    assert AccountSecurity.objects.get(user__username="otp_user").totp_secret == "JBSWY3DPEHPK3PXP"
    assert all(t == "" or t.startswith(f"g2.{crypto.FieldKey(new).kid}:") for t in raw_tokens())

    found = MemberFilterSet({"id_number": id_number(3)}, queryset=Member.objects.all()).qs
    assert [m.name for m in found] == ["赵冬梅"]
    with pytest.raises(ValidationError, match="该公民身份号码已登记"):
        make_member(region.birch, "冒名者", 3)

    entry = AuditLog.objects.get(action=AuditAction.KEY_ROTATE)
    assert crypto.FieldKey(new).kid in entry.detail


def test_the_old_key_alone_can_no_longer_read_new_values(people, settings, key_dir):
    call_command("rotate_field_key")
    old_only = crypto.KeyRing(crypto.FieldKey(OLD))
    token = next(t for t in raw_tokens() if t)
    with pytest.raises(crypto.UnreadableValue):
        crypto.open_with(token, old_only)


def test_it_can_switch_to_sm4_at_the_same_time(people, settings, key_dir, capsys):
    call_command("rotate_field_key", "--cipher", "sm4")
    assert "DANGJIAN_FIELD_CIPHER=sm4" in capsys.readouterr().out
    restart(settings, key_dir)
    assert all(t == "" or t.startswith("s2.") for t in raw_tokens())
    assert {m.pk: (m.id_number, m.phone) for m in Member.objects.all()} == people


def test_a_failure_half_way_changes_nothing_and_a_second_run_finishes(people, settings, key_dir, monkeypatch):
    before = raw_tokens()
    calls = {"n": 0}
    real_seal = crypto.seal

    def failing_seal(*args):
        calls["n"] += 1
        if calls["n"] > 5:
            raise OSError("disk gone")
        return real_seal(*args)

    monkeypatch.setattr(crypto, "seal", failing_seal)
    with pytest.raises(OSError):
        call_command("rotate_field_key", "--batch-size", "2")
    assert raw_tokens() == before  # one transaction: nothing half-written
    pending = (key_dir / "field_key.new").read_text()
    assert (key_dir / "field_key").read_text() == OLD

    monkeypatch.setattr(crypto, "seal", real_seal)
    call_command("rotate_field_key")
    assert (key_dir / "field_key").read_text().strip() == pending  # the pending key was taken up, not a third one
    restart(settings, key_dir)
    assert {m.pk: (m.id_number, m.phone) for m in Member.objects.all()} == people


def test_values_already_under_the_new_key_are_skipped_when_run_again(people, settings, key_dir, monkeypatch, capsys):
    def crash(data_dir):
        raise OSError("power cut after the database was done")

    monkeypatch.setattr(keys, "retire_current_and_promote", crash)
    with pytest.raises(OSError):
        call_command("rotate_field_key")
    rows = Member.objects.count() + AccountSecurity.objects.count()
    capsys.readouterr()

    monkeypatch.undo()
    call_command("rotate_field_key")
    out = capsys.readouterr().out
    assert "继续" in out and f"重新加密 0 行，{rows} 行无需改写" in out
    restart(settings, key_dir)
    assert {m.pk: (m.id_number, m.phone) for m in Member.objects.all()} == people


def test_a_key_from_the_environment_needs_a_new_key_file(people, settings, key_dir, tmp_path_factory, capsys):
    settings.FIELD_KEY = "from-the-environment-" + "e" * 30
    (key_dir / "field_key").unlink()
    crypto.reload_keys()
    with pytest.raises(CommandError, match="请用 --new-key-file"):
        call_command("rotate_field_key")

    short = tmp_path_factory.mktemp("keys") / "short"
    short.write_text("hkdf:too-short")
    with pytest.raises(CommandError, match="新密钥太短：hkdf: 之后至少 32 个字符"):
        call_command("rotate_field_key", "--new-key-file", str(short))
    untagged = short.with_name("untagged")
    untagged.write_text("operator-chosen-key-" + "n" * 30)
    with pytest.raises(CommandError) as refused:
        call_command("rotate_field_key", "--new-key-file", str(untagged))
    assert str(refused.value) == "新密钥须以 hkdf: 开头（其后为随机字符，按 HKDF 派生子密钥）"
    with pytest.raises(CommandError, match="无法读取新密钥文件"):
        call_command("rotate_field_key", "--new-key-file", str(short) + ".missing")
    assert not AuditLog.objects.filter(action=AuditAction.KEY_ROTATE).exists()


def test_an_operator_supplied_key_is_used_and_the_environment_swap_is_explained(
    people, settings, key_dir, tmp_path_factory, capsys
):
    settings.FIELD_KEY = OLD
    (key_dir / "field_key").unlink()  # the key comes from DANGJIAN_FIELD_KEY
    supplied = tmp_path_factory.mktemp("keys") / "new"
    supplied.write_text("hkdf:operator-chosen-key-" + "n" * 30)
    call_command("rotate_field_key", "--new-key-file", str(supplied))
    assert "DANGJIAN_FIELD_KEY_OLD" in capsys.readouterr().out
    settings.FIELD_KEY, settings.FIELD_KEYS_OLD = supplied.read_text(), [OLD]
    crypto.reload_keys()
    assert {m.pk: (m.id_number, m.phone) for m in Member.objects.all()} == people
