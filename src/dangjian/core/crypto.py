"""Sensitive personal fields (ID number, phone): encrypted at rest, findable by exact value, masked on display.

Each stored value names its scheme and key in its prefix, so values of retired keys and of the other cipher stay
readable while a rotation (`dangjian rotate-field-key`) rewrites them:

- ``g2.<kid>:`` AES-256-GCM under the key whose id is ``kid``;
- ``s2.<kid>:`` SM4-GCM (GB/T 32907 block cipher, GCM as in RFC 8998) under that key;
- ``g1:`` AES-256-GCM written before keys had ids (and by the demo generator's fast sealer): tried against every known
  key, the GCM tag tells which one is right.

The body is URL-safe base64 of a 12-byte random nonce followed by the ciphertext and its 16-byte tag, so every scheme
is authenticated. New values use the current key and ``settings.FIELD_CIPHER``.

A keyed hash (HMAC-SHA256 under the current key) of the normalized value is stored beside each field, in a column
named ``<field>_digest`` by convention, so that lookups and uniqueness need no decryption. The rotation recomputes
those columns; the digest algorithm does not follow the cipher, so switching the cipher never breaks search.

Keys: the current one is ``settings.FIELD_KEY`` (environment or the data directory's ``field_key`` file); retired
ones come from ``settings.FIELD_KEYS_OLD`` (``DANGJIAN_FIELD_KEY_OLD``, comma-separated) and from the files
``field_key.<n>`` in the data directory. The subkeys (cipher, MAC, key id) are derived from the key text by
HKDF-SHA256 for keys whose text begins with ``hkdf:``, by the first versions' SHA-256(label | secret) for older
keys, which stay as they are until a rotation (`FieldKey`). See docs/operations.md.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import operator
import os
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

AES_GCM = "aes-gcm"
SM4 = "sm4"
CIPHERS = (AES_GCM, SM4)
_SCHEME = {AES_GCM: "g2", SM4: "s2"}
_CIPHER_OF = {v: k for k, v in _SCHEME.items()}
LEGACY_PREFIX = "g1:"
# Kept for the demo generator's fast sealer (demo/identity.py), which writes legacy-prefixed AES-GCM values.
PREFIX = LEGACY_PREFIX
KEY_FILE = "field_key"
# Key texts made from now on begin with this: their subkeys are derived by HKDF (see FieldKey).
HKDF_TAG = "hkdf:"
NONCE = 12
TAG = 16


class UnreadableValue(ValueError):
    """A stored value that no known key can open."""


@dataclass(frozen=True)
class FieldKey:
    """One field key: the key text and the subkeys derived from it (one per purpose, never reused).

    The key text says how its subkeys are derived. A text beginning with ``hkdf:`` (every key made since) derives
    them by HKDF-SHA256 (RFC 5869) from the rest of the text, the purpose as `info`. A text without it is a key of
    the first versions, whose subkeys were SHA-256(label | secret): kept as it was, so that what was written under
    it stays readable and findable, until `dangjian rotate-field-key` moves every value and digest to a new key
    (docs/operations.md)."""

    secret: str = field(repr=False)

    @property
    def hkdf(self) -> bool:
        return self.secret.startswith(HKDF_TAG)

    @property
    def derivation(self) -> str:
        return "HKDF-SHA256" if self.hkdf else "SHA-256（旧版）"

    def _sub(self, label: bytes, length: int = 32) -> bytes:
        label = b"dangjian-field-" + label
        if self.hkdf:
            kdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label)
            return kdf.derive(self.secret[len(HKDF_TAG) :].encode())
        return hashlib.sha256(label + b"|" + self.secret.encode()).digest()[:length]

    @functools.cached_property
    def kid(self) -> str:
        """A short public fingerprint naming the key inside stored values; reveals nothing of the secret."""
        return self._sub(b"kid").hex()[:8]

    @functools.cached_property
    def aes(self) -> bytes:
        return self._sub(b"enc")  # the label the first version used, so its g1: values stay readable

    @functools.cached_property
    def sm4(self) -> bytes:
        return self._sub(b"sm4", 16)

    @functools.cached_property
    def mac(self) -> bytes:
        return self._sub(b"mac")


@dataclass(frozen=True)
class KeyRing:
    """The current key and cipher for new values, and every key that may still open old ones."""

    current: FieldKey
    retired: tuple[FieldKey, ...] = ()
    cipher: str = AES_GCM

    @property
    def keys(self) -> tuple[FieldKey, ...]:
        return (self.current, *self.retired)

    def by_kid(self, kid: str) -> FieldKey:
        for key in self.keys:
            if key.kid == kid:
                return key
        raise UnreadableValue(f"字段密钥 {kid} 不在密钥环中：请把它的密钥文件放回数据目录或设置 DANGJIAN_FIELD_KEY_OLD")


def retired_key_files(data_dir: Path) -> list[Path]:
    """Files `field_key.<anything>` in the data directory: retired keys and a rotation's pending new key."""
    if not data_dir.is_dir():
        return []
    return sorted(p for p in data_dir.glob(KEY_FILE + ".*") if p.is_file())


@functools.lru_cache(maxsize=8)
def _ring(current: str, old: tuple[str, ...], data_dir: str, cipher: str) -> KeyRing:
    secrets_ = list(old) + [p.read_text().strip() for p in retired_key_files(Path(data_dir))]
    retired: list[FieldKey] = []
    for secret in secrets_:
        if secret and secret != current and all(k.secret != secret for k in retired):
            retired.append(FieldKey(secret))
    return KeyRing(FieldKey(current), tuple(retired), cipher)


def keyring() -> KeyRing:
    """The installation's key ring, from settings and the data directory's key files (cached per configuration)."""
    cipher = getattr(settings, "FIELD_CIPHER", AES_GCM)
    old = tuple(getattr(settings, "FIELD_KEYS_OLD", ()))
    return _ring(settings.FIELD_KEY, old, str(settings.DATA_DIR), cipher)


def reload_keys() -> None:
    """Forget the cached key ring, after key files changed in this process (rotation, tests)."""
    _ring.cache_clear()


def _keys() -> tuple[bytes, bytes]:
    """The current key's AES and MAC subkeys (used by the demo generator's fast sealer)."""
    key = keyring().current
    return key.aes, key.mac


def prefix(key: FieldKey, cipher: str) -> str:
    return f"{_SCHEME[cipher]}.{key.kid}:"


def seal(value: str, key: FieldKey, cipher: str) -> str:
    """Encrypt under an explicit key and cipher."""
    if value == "":
        return ""
    nonce = os.urandom(NONCE)
    if cipher == AES_GCM:
        sealed = AESGCM(key.aes).encrypt(nonce, value.encode(), None)
    elif cipher == SM4:
        enc = Cipher(algorithms.SM4(key.sm4), modes.GCM(nonce)).encryptor()
        sealed = enc.update(value.encode()) + enc.finalize() + enc.tag
    else:
        raise ValueError(f"未知的字段加密算法：{cipher}")
    return prefix(key, cipher) + base64.urlsafe_b64encode(nonce + sealed).decode()


def _open(cipher: str, key: FieldKey, blob: bytes) -> str:
    nonce, sealed = blob[:NONCE], blob[NONCE:]
    if cipher == AES_GCM:
        return AESGCM(key.aes).decrypt(nonce, sealed, None).decode()
    dec = Cipher(algorithms.SM4(key.sm4), modes.GCM(nonce, sealed[-TAG:])).decryptor()
    return (dec.update(sealed[:-TAG]) + dec.finalize()).decode()


def open_with(token: str, ring: KeyRing) -> str:
    """Decrypt with whichever key of `ring` the value names (or, for g1:, whichever opens it)."""
    if not token:
        return ""
    head, sep, body = token.partition(":")
    if not sep:
        raise ValueError("未知的加密格式")
    blob = base64.urlsafe_b64decode(body)
    if head + ":" == LEGACY_PREFIX:
        for key in ring.keys:
            try:
                return _open(AES_GCM, key, blob)
            except InvalidTag:
                continue
        raise UnreadableValue("没有任何已知字段密钥能解开该值：密钥文件缺失或数据被篡改")
    scheme, _, kid = head.partition(".")
    if scheme not in _CIPHER_OF:
        raise ValueError("未知的加密格式")
    try:
        return _open(_CIPHER_OF[scheme], ring.by_kid(kid), blob)
    except InvalidTag as exc:
        raise UnreadableValue("字段值校验失败：数据被篡改或密钥不符") from exc


def is_current(token: str, key: FieldKey, cipher: str) -> bool:
    """Whether a stored value is already under `key` and `cipher` (a rotation skips it)."""
    return token == "" or token.startswith(prefix(key, cipher))


def encrypt(value: str) -> str:
    ring = keyring()
    return seal(value, ring.current, ring.cipher)


def decrypt(token: str) -> str:
    return open_with(token, keyring())


def digest(value: str, key: FieldKey | None = None) -> str:
    """Keyed hash of a normalized value, for exact search and uniqueness."""
    if not value:
        return ""
    mac_key = (key or keyring().current).mac
    return hmac.new(mac_key, value.upper().encode(), hashlib.sha256).hexdigest()


class Digester:
    """`digest` for many values under one key (an import digests two values per member): the HMAC keyed once,
    then copied for each value, which spares redoing the key's two hash blocks per value."""

    def __init__(self, key: FieldKey) -> None:
        self._keyed = hmac.new(key.mac, digestmod=hashlib.sha256)

    def __call__(self, value: str) -> str:
        if not value:
            return ""
        mac = self._keyed.copy()
        mac.update(value.upper().encode())
        return mac.hexdigest()

    def many(self, values: list[str]) -> list[str]:
        """The digest of each value, in order (a blank digests to a blank)."""
        return list(map(self, values))


class Sealer:
    """`seal` for many values under one key and cipher (an import's): for AES-GCM the cipher object is made once,
    not per value, and `many` seals a list with one draw of random bytes for all the nonces and each step taken by
    a call from C. The same output as `seal`: prefix, then base64 of nonce and sealed text; a fresh random nonce
    per value."""

    def __init__(self, key: FieldKey, cipher: str) -> None:
        self.key, self.cipher = key, cipher
        self.head = prefix(key, cipher)
        self.aead = AESGCM(key.aes) if cipher == AES_GCM else None

    def __call__(self, value: str) -> str:
        return self.many([value])[0]

    def many(self, values: list[str]) -> list[str]:
        if self.aead is None:
            return [seal(value, self.key, self.cipher) for value in values]
        if "" in values:
            filled = [value for value in values if value != ""]
            sealed = iter(self.many(filled))
            return [next(sealed) if value != "" else "" for value in values]
        random = os.urandom(NONCE * len(values))
        nonces = [random[start : start + NONCE] for start in range(0, len(random), NONCE)]
        sealed = map(self.aead.encrypt, nonces, map(str.encode, values), repeat(None))
        text = map(_B64, map(bytes.__add__, nonces, sealed))
        return list(map(self.head.__add__, map(bytes.decode, map(_URLSAFE, text))))


# URL-safe base64 without a line end, as `base64.urlsafe_b64encode` makes it, callable from C.
_B64 = functools.partial(binascii.b2a_base64, newline=False)
_URLSAFE = operator.methodcaller("translate", bytes.maketrans(b"+/", b"-_"))


class EncryptedCharField(models.TextField):
    """A text column whose value is stored encrypted; Python code sees the clear value.

    If the model has a field named `<name>_digest`, it holds the keyed hash of this one (filled by the model's
    save()); key rotation recomputes it.
    """

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
