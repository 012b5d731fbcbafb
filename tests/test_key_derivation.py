"""Field keys derive their subkeys by HKDF; data under a key of the first versions' derivation stays readable and
findable until `dangjian rotate-field-key` moves its values and digests, together, to an HKDF-derived key."""

import hashlib
import hmac
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from dangjian.core import crypto, keys
from dangjian.core.checks import field_key_derivation
from dangjian.core.models import AuditAction, AuditLog
from dangjian.members.filtersets import MemberFilterSet
from dangjian.members.models import Member

from conftest import id_number, make_member

OLD = "old-field-key-" + "a" * 32  # a key text of the first versions: no `hkdf:` tag


def hkdf(secret: str, label: bytes, length: int = 32) -> bytes:
    info = b"dangjian-field-" + label
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret.encode())


def first_versions(secret: str, label: bytes) -> bytes:
    return hashlib.sha256(b"dangjian-field-" + label + b"|" + secret.encode()).digest()


def mac(key: bytes, value: str) -> str:
    return hmac.new(key, value.upper().encode(), hashlib.sha256).hexdigest()


@pytest.fixture(autouse=True)
def key_dir(settings, tmp_path):
    """An installation of the first versions: its field_key file holds a key text without the tag."""
    settings.DATA_DIR = tmp_path
    settings.FIELD_KEY = OLD
    settings.FIELD_KEYS_OLD = []
    settings.FIELD_CIPHER = "aes-gcm"
    (tmp_path / "field_key").write_text(OLD)
    crypto.reload_keys()
    yield tmp_path
    crypto.reload_keys()


def restart(settings, key_dir):
    settings.FIELD_KEY = (key_dir / "field_key").read_text().strip()
    crypto.reload_keys()


def stored() -> list[tuple[str, str, str, str]]:
    """Each member's stored ID number, its digest, phone and its digest, as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, id_number_digest, phone, phone_digest FROM members_member ORDER BY id")
        return cursor.fetchall()


@pytest.fixture
def people(region):
    make_member(region.village, "钱电话", 40, phone="13700002222")
    return {m.pk: (m.id_number, m.phone) for m in Member.objects.order_by("pk")}


def test_a_new_key_derives_its_subkeys_by_hkdf_with_the_purpose_as_info():
    secret = keys.new_secret()
    assert secret.startswith("hkdf:") and len(secret) > 40
    key, material = crypto.FieldKey(secret), secret.removeprefix("hkdf:")
    assert key.hkdf and key.derivation == "HKDF-SHA256"
    assert key.aes == hkdf(material, b"enc")
    assert key.mac == hkdf(material, b"mac")
    assert key.sm4 == hkdf(material, b"sm4", 16)
    assert key.kid == hkdf(material, b"kid").hex()[:8]
    # The first versions' derivation is kept for their keys only.
    old = crypto.FieldKey(OLD)
    assert not old.hkdf and old.mac == first_versions(OLD, b"mac") and old.aes == first_versions(OLD, b"enc")


def test_a_fresh_installation_makes_an_hkdf_key(tmp_path_factory):
    fresh = tmp_path_factory.mktemp("fresh-data")
    env = {k: v for k, v in os.environ.items() if k != "DANGJIAN_FIELD_KEY"}
    env |= {"DANGJIAN_DATA_DIR": str(fresh), "DJANGO_SETTINGS_MODULE": "dangjian.settings"}
    code = "from django.conf import settings; print(settings.FIELD_KEY)"
    made = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert made.stdout.strip().startswith("hkdf:")
    assert (fresh / "field_key").read_text() == made.stdout.strip()


def test_data_under_a_key_of_the_first_derivation_stays_readable_searchable_and_unique(people, region):
    old = crypto.FieldKey(OLD)
    rows = stored()
    assert rows and all(token.startswith(f"g2.{old.kid}:") for token, _d, _p, _pd in rows if token)
    by_pk = dict(zip(people, rows, strict=True))
    for pk, (clear_id, clear_phone) in people.items():
        assert by_pk[pk][1] == mac(first_versions(OLD, b"mac"), clear_id)
        assert by_pk[pk][3] == (mac(first_versions(OLD, b"mac"), clear_phone) if clear_phone else "")
    assert {m.pk: (m.id_number, m.phone) for m in Member.objects.all()} == people

    found = MemberFilterSet({"id_number": id_number(40)}, queryset=Member.objects.all()).qs
    assert [m.name for m in found] == ["钱电话"]
    with pytest.raises(ValidationError, match="该公民身份号码已登记"):
        make_member(region.birch, "冒名者", 40)
    # `dangjian check` tells the operator it is due for a rotation.
    assert [w.id for w in field_key_derivation()] == ["dangjian.W001"]


def test_a_rotation_moves_every_value_and_digest_to_an_hkdf_key_and_is_audited(people, region, settings, key_dir):
    call_command("rotate_field_key")
    restart(settings, key_dir)
    new = (key_dir / "field_key").read_text().strip()
    assert new.startswith("hkdf:") and (key_dir / "field_key.1").read_text().strip() == OLD
    key = crypto.FieldKey(new)

    rows = stored()
    assert all(
        token.startswith(f"g2.{key.kid}:") for token, _d, phone, _pd in rows for token in (token, phone) if token
    )
    by_pk = dict(zip(people, rows, strict=True))
    for pk, (clear_id, clear_phone) in people.items():
        assert by_pk[pk][1] == mac(hkdf(new.removeprefix("hkdf:"), b"mac"), clear_id)
        assert by_pk[pk][3] == (mac(hkdf(new.removeprefix("hkdf:"), b"mac"), clear_phone) if clear_phone else "")
    assert {m.pk: (m.id_number, m.phone) for m in Member.objects.all()} == people

    found = MemberFilterSet({"id_number": id_number(40)}, queryset=Member.objects.all()).qs
    assert [m.name for m in found] == ["钱电话"]
    with pytest.raises(ValidationError, match="该公民身份号码已登记"):
        make_member(region.birch, "冒名者", 40)
    assert field_key_derivation() == []

    entry = AuditLog.objects.get(action=AuditAction.KEY_ROTATE)
    assert entry.detail.startswith(f"字段密钥更换为 {key.kid}（aes-gcm，HKDF-SHA256 派生），重新加密 ")
    assert "并重算检索索引" in entry.detail


def test_a_rotation_that_fails_half_way_leaves_the_first_derivation_whole_and_searchable(
    people, settings, key_dir, monkeypatch
):
    before = stored()
    calls = {"n": 0}
    real_seal = crypto.seal

    def failing_seal(*args):
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError("disk gone")
        return real_seal(*args)

    monkeypatch.setattr(crypto, "seal", failing_seal)
    with pytest.raises(OSError):
        call_command("rotate_field_key", "--batch-size", "2")
    assert stored() == before  # values and digests: neither half-moved
    found = MemberFilterSet({"id_number": id_number(40)}, queryset=Member.objects.all()).qs
    assert [m.name for m in found] == ["钱电话"]
    assert not AuditLog.objects.filter(action=AuditAction.KEY_ROTATE).exists()
