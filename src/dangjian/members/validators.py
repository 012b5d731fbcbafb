"""Checks of single values of the member register: the citizen ID number (公民身份号码, GB 11643-1999) and the
phone. Messages in Chinese without a full stop (`core.rules`); `members.rules` applies them to a member, and the
import's parsing (`sheets.normalize`) gives the same words for a bad cell."""

from __future__ import annotations

import datetime

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
PHONE_LENGTHS = (7, 8, 11, 12)  # fixed lines of 7 or 8 digits, 11 with an area code or a mobile, 12 with a 4-digit code
PHONE_MESSAGE = "联系电话应为11位手机号或固定电话号码"


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str) -> str:
    """What is wrong with an 18-character ID number, in Chinese, or "" when it is well formed. A wrong check
    character is named with the one the first 17 digits give: a typo in it is then fixed at once, and a typo elsewhere
    still shows, because the number no longer matches the person's papers."""
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "公民身份号码应为18位，最后一位可以是数字或X"
    if born_of(value) is None:
        return "公民身份号码中的出生日期不存在"
    expected = check_digit(value[:17])
    if expected != value[17]:
        return f"校验码错误（按前 17 位应为 {expected}），请核对号码"
    return ""


def born_of(value: str) -> datetime.date | None:
    """The birth date written in an ID number (its 7th to 14th digits), or None when there is no such day."""
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def phone_problem(value: str) -> str:
    """What is wrong with a phone number already reduced to its digits, or "" when it is one."""
    if not value.isdigit() or len(value) not in PHONE_LENGTHS:
        return PHONE_MESSAGE
    return ""
