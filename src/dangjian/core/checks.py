"""System checks on the installation's configuration (`dangjian check`, and every management command's start)."""

from __future__ import annotations

from django.core import checks

from . import crypto


def field_key_derivation(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A field key of the first versions' derivation (its text without `hkdf:`) works, but is due for a rotation:
    the operator learns it here rather than from the code."""
    if crypto.keyring().current.hkdf:
        return []
    return [
        checks.Warning(
            "字段密钥仍按旧版方式（SHA-256）派生子密钥。",
            hint="运行一次 dangjian rotate-field-key：全部密文和检索索引在一个事务中改用 HKDF 派生的新密钥"
            "（见 docs/operations.md“字段密钥的派生方式”）。",
            id="dangjian.W001",
        )
    ]
