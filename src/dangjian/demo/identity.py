"""Identity numbers, phone numbers and fast sealing of sensitive fields for generated data.

ID numbers follow GB 11643-1999 (area code, birth date, sequence whose last digit gives the gender,
ISO 7064 MOD 11-2 check digit). Area codes start with 98 or 99, which no province uses, so a demo
number can never be a real person's.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dangjian.core import crypto
from dangjian.core.citizen_id import check_digit

PHONE_PREFIXES = ("133", "135", "137", "138", "139", "150", "152", "158", "177", "180", "186", "189", "199")


def id_number(area: str, birth: datetime.date, seq: int) -> str:
    """An 18-character ID number; `seq` (1–999) is odd for men and even for women."""
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + check_digit(body)


def phone_number(index: int) -> str:
    """A mobile number unique for each index below 10^8: its last eight digits are a bijection of it."""
    scrambled = (index * 7_919_317 + 35_801_113) % 100_000_000
    return PHONE_PREFIXES[index % len(PHONE_PREFIXES)] + f"{scrambled:08d}"


class IdAllocator:
    """Hands out ID numbers that never repeat: one sequence counter per area, birth date and gender."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, datetime.date, bool], int] = {}

    def allocate(self, area: str, birth: datetime.date, male: bool) -> str:
        key = (area, birth, male)
        seq = self._next.get(key, 1 if male else 2)
        if seq > 999:  # a day's sequence numbers used up: take the next day
            return self.allocate(area, birth + datetime.timedelta(days=1), male)
        self._next[key] = seq + 2
        return id_number(area, birth, seq)


class Sealer:
    """Encrypts and digests many values the way core.crypto does, with the keys and cipher derived once.

    Output is interchangeable with crypto.encrypt/digest: crypto.decrypt reads it back.
    """

    def __init__(self) -> None:
        enc_key, mac_key = crypto._keys()
        self._aes = AESGCM(enc_key)
        self._mac = hmac.new(mac_key, digestmod=hashlib.sha256)
        self._nonces = b""
        self._pos = 0

    def _nonce(self) -> bytes:
        if self._pos >= len(self._nonces):
            self._nonces = os.urandom(12 * 4096)  # one system call per 4,096 values
            self._pos = 0
        nonce = self._nonces[self._pos : self._pos + 12]
        self._pos += 12
        return nonce

    def seal(self, value: str) -> str:
        if not value:
            return ""
        nonce = self._nonce()
        sealed = self._aes.encrypt(nonce, value.encode(), None)
        return crypto.PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def digest(self, value: str) -> str:
        if not value:
            return ""
        mac = self._mac.copy()
        mac.update(value.upper().encode())
        return mac.hexdigest()
