"""Checks of the citizen ID number (公民身份号码, GB 11643-1999)."""

from __future__ import annotations

import datetime

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str) -> str:
    """What is wrong with an 18-character ID number, in Chinese, or "" when it is well formed."""
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "公民身份号码应为18位，最后一位可以是数字或X。"
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "公民身份号码中的出生日期不存在。"
    if check_digit(value[:17]) != value[17]:
        return "公民身份号码校验位不正确，请核对。"
    return ""
