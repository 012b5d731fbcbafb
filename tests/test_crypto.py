"""Sensitive fields at rest: AES-GCM or SM4, each value naming its scheme and key, readable across key changes."""

import base64
import hashlib
import hmac
import os
from types import SimpleNamespace

import hypothesis
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection
from hypothesis import strategies as st

from dangjian.core import crypto
from dangjian.members.filtersets import MemberFilterSet
from dangjian.members.models import Member

from conftest import id_number, make_member

KEY = "k" * 43
OTHER = "o" * 43


@pytest.fixture
def field_keys(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.FIELD_KEY = KEY
    settings.FIELD_KEYS_OLD = []
    settings.FIELD_CIPHER = "aes-gcm"
    crypto.reload_keys()
    yield settings
    crypto.reload_keys()


def stored(member: Member, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM members_member WHERE id = %s", [member.pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_values_are_aes_gcm_under_a_named_key_by_default(field_keys):
    token = crypto.encrypt("110101199003070012")
    assert token.startswith(f"g2.{crypto.FieldKey(KEY).kid}:")
    assert "110101199003070012" not in token
    assert crypto.decrypt(token) == "110101199003070012"
    assert crypto.encrypt("110101199003070012") != token  # a fresh nonce every time


def test_sm4_is_chosen_by_setting_and_old_aes_values_stay_readable(field_keys):
    aes = crypto.encrypt("13800001111")
    field_keys.FIELD_CIPHER = "sm4"
    sm4 = crypto.encrypt("13800001111")
    assert sm4.startswith(f"s2.{crypto.FieldKey(KEY).kid}:")
    assert crypto.decrypt(sm4) == crypto.decrypt(aes) == "13800001111"


def test_values_written_by_the_first_version_are_still_readable(field_keys):
    enc_key, _ = crypto._keys()
    nonce = os.urandom(12)
    legacy = "g1:" + base64.urlsafe_b64encode(nonce + AESGCM(enc_key).encrypt(nonce, b"13912345678", None)).decode()
    assert crypto.decrypt(legacy) == "13912345678"


@pytest.mark.parametrize("cipher", crypto.CIPHERS)
def test_a_tampered_value_is_refused(field_keys, cipher):
    field_keys.FIELD_CIPHER = cipher
    token = crypto.encrypt("110101199003070012")
    head, body = token.split(":")
    blob = bytearray(base64.urlsafe_b64decode(body))
    blob[14] ^= 1
    with pytest.raises(crypto.UnreadableValue, match="校验失败"):
        crypto.decrypt(head + ":" + base64.urlsafe_b64encode(bytes(blob)).decode())


def test_a_retired_key_opens_its_values_from_the_environment_or_a_key_file(field_keys, tmp_path):
    field_keys.FIELD_KEY = OTHER
    old_value = crypto.encrypt("13800001111")
    field_keys.FIELD_KEY = KEY
    with pytest.raises(crypto.UnreadableValue, match="不在密钥环中"):
        crypto.decrypt(old_value)

    field_keys.FIELD_KEYS_OLD = [OTHER]
    assert crypto.decrypt(old_value) == "13800001111"

    field_keys.FIELD_KEYS_OLD = []
    (tmp_path / "field_key.1").write_text(OTHER + "\n")
    crypto.reload_keys()
    assert crypto.decrypt(old_value) == "13800001111"


def test_members_saved_under_sm4_are_found_by_exact_id_number(field_keys, region):
    field_keys.FIELD_CIPHER = "sm4"
    member = make_member(region.village, "钱国密", 40, phone="13700002222")
    assert stored(member, "id_number").startswith("s2.")
    assert id_number(40) not in stored(member, "id_number")
    found = MemberFilterSet({"id_number": id_number(40)}, queryset=Member.objects.all()).qs
    assert list(found) == [member]
    assert Member.objects.get(pk=member.pk).phone == "13700002222"


def test_masks_keep_only_the_ends():
    assert crypto.mask_id_number("110101199003070012") == "1101**********0012"
    assert crypto.mask_phone("13800001111") == "138****1111"


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(mac=st.binary(max_size=200), values=st.lists(st.text(max_size=40), max_size=8))
def test_the_bulk_digester_gives_the_standard_hmac_of_each_upper_cased_value(mac, values):
    # Keys of every length (HMAC hashes those longer than a block first) and any text, blanks included.
    key = SimpleNamespace(mac=mac)  # what both read of a key
    expected = [hmac.new(mac, v.upper().encode(), hashlib.sha256).hexdigest() if v else "" for v in values]
    bulk = crypto.Digester(key)
    assert bulk.many(values) == expected
    assert [bulk(value) for value in values] == expected == [crypto.digest(value, key) for value in values]


@pytest.mark.parametrize("cipher", ["aes-gcm", "sm4"])
def test_the_bulk_sealer_seals_each_value_under_the_key_with_its_own_nonce(field_keys, cipher):
    ring = crypto.keyring()
    sealer = crypto.Sealer(ring.current, cipher)
    values = ["11010519491231002X", "", "13800001111", "党员", "a" * 300, "13800001111"]
    sealed = sealer.many(values)
    assert sealed[1] == "" and sealer("") == ""
    assert [crypto.open_with(token, ring) for token in sealed] == values
    prefix = crypto.prefix(ring.current, cipher)
    assert all(token.startswith(prefix) for token in sealed if token)
    # The same value twice is sealed twice differently: every nonce is drawn fresh.
    nonces = {base64.urlsafe_b64decode(token[len(prefix) :])[: crypto.NONCE] for token in sealed if token}
    assert len(nonces) == 5 and sealed[2] != sealed[5]
    assert crypto.open_with(sealer("党员"), ring) == "党员"
