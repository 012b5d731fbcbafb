"""Sensitive personal fields (ID number, phone): encrypted at rest, findable by exact value, masked on display.

Values are sealed with AES-GCM under a key derived from settings.FIELD_KEY. A keyed hash (HMAC-SHA256) of the
normalized value is stored beside it so that lookups and uniqueness need no decryption.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

PREFIX = "g1:"  # scheme marker, so a later scheme (e.g. SM4) can live beside old values during rotation


def _keys() -> tuple[bytes, bytes]:
    raw = settings.FIELD_KEY.encode()
    enc = hashlib.sha256(b"dangjian-field-enc|" + raw).digest()
    mac = hashlib.sha256(b"dangjian-field-mac|" + raw).digest()
    return enc, mac


def encrypt(value: str) -> str:
    if value == "":
        return ""
    enc_key, _ = _keys()
    nonce = os.urandom(12)
    sealed = AESGCM(enc_key).encrypt(nonce, value.encode(), None)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    if not token.startswith(PREFIX):
        raise ValueError("未知的加密格式")
    enc_key, _ = _keys()
    blob = base64.urlsafe_b64decode(token[len(PREFIX) :])
    return AESGCM(enc_key).decrypt(blob[:12], blob[12:], None).decode()


def digest(value: str) -> str:
    """Keyed hash of a normalized value, for exact search and uniqueness."""
    if not value:
        return ""
    _, mac_key = _keys()
    return hmac.new(mac_key, value.upper().encode(), hashlib.sha256).hexdigest()


class EncryptedCharField(models.TextField):
    """A text column whose value is stored encrypted; Python code sees the clear value."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(value)


def mask_id_number(value: str) -> str:
    """Show the first 4 and last 4 characters: 1101**********1234."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****1234."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
