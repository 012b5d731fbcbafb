"""Turning what people really type into clean values: full-width characters, stray spaces and invisible
characters, the many ways of writing a date, numbers stored as text, ID numbers with a lowercase x, phone
numbers with separators. Each function takes a raw cell (str, int, float, date, bool or None) and returns the
clean value, or raises CellError with a Chinese message that the importer prefixes with row and column.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import operator
import re
import unicodedata

from dangjian.members.validators import PHONE_LENGTHS, id_number_problem, phone_problem


class CellError(ValueError):
    """A cell's value cannot be used; the message is Chinese and names no row or column."""


# Zero-width spaces and joiners, direction marks, soft hyphen, BOM: pasted in from web pages and phones.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e"),
    None,
)
_SPACES = re.compile(r"\s+")
EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 is 1900-01-01 once Excel's fictitious 1900-02-29 is skipped


def text(value) -> str:
    """Any cell as trimmed text: None is "", 12.0 is "12", invisible characters dropped, runs of spaces
    (including the full-width space and the no-break space) become one space."""
    if type(value) is str and value.isprintable() and "  " not in value:
        # The common clean cell: isprintable() is False for every invisible (Cf) character and for every space but
        # the ASCII one, so such a cell needs only the trim.
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    value = str(value)
    if value.isprintable() and "  " not in value:
        return value.strip()
    return _SPACES.sub(" ", value.translate(_INVISIBLE)).strip()


def folded(value) -> str:
    """Text with full-width letters and digits folded to ASCII (NFKC) and every space removed: for codes,
    numbers, dates, ID and phone numbers, where a space is never meant."""
    value = text(value)
    if value.isascii():  # NFKC leaves ASCII alone, and text() left single ASCII spaces only
        return value.replace(" ", "")
    return _SPACES.sub("", unicodedata.normalize("NFKC", value))


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f"


# The characters of `_is_cjk` plus the middle dots of minority names, as one pattern: a C-speed scan per name.
_CJK_NAME = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f·•]+")


def person_name(value) -> str:
    """A person's name; spaces typed to align two-character Chinese names (王  芳) are dropped."""
    value = text(value)
    squeezed = value.replace(" ", "")
    if _CJK_NAME.fullmatch(squeezed):
        return squeezed.replace("•", "·")
    return value


def code(value) -> str:
    return folded(value)


def _choice_key(value: str) -> str:
    return folded(value).lower()


@functools.lru_cache(maxsize=64)
def _choice_keys(choices: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Every accepted key of a column's choices → the stored value; the first choice naming a key wins."""
    keys: dict[str, str] = {}
    for stored, label in choices:
        keys.setdefault(_choice_key(label), stored)
        keys.setdefault(stored.lower(), stored)
    return keys


def choice(value, choices: tuple[tuple[str, str], ...]) -> str:
    """The stored value for a label (as the template's dropdown offers it) or for the stored value itself."""
    key = _choice_key(value)
    if not key:
        return ""
    stored = _choice_keys(choices).get(key)
    if stored is not None:
        return stored
    shown = "、".join(label for _stored, label in choices)
    if len(shown) > 60:
        shown = shown[:60] + "……"
    raise CellError(f"“{text(value)}”不是可选的值（可选：{shown}）")


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "对", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "x", "无", "不是"}


def boolean(value) -> bool | None:
    """是/否 and the other ways of saying it; None when the cell is empty."""
    if isinstance(value, bool):
        return value
    key = _choice_key(value)
    if not key:
        return None
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(f"“{text(value)}”应填“是”或“否”")


_DATE = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:T?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"  # a time of day written after it, as some exports do
)


_EIGHT_DIGITS = re.compile(r"\d{8}")
_SERIAL_TEXT = re.compile(r"\d{4,5}(\.\d+)?")


def from_serial(serial: float) -> datetime.date:
    """An Excel serial day number (1900 date system) as a date."""
    if not 1 <= serial < 2_958_466:
        raise CellError(f"“{text(serial)}”不是有效的日期")
    day = int(serial)
    return EXCEL_EPOCH + datetime.timedelta(days=day if day > 60 else day + 1)


def date(value) -> datetime.date | None:
    """2016-11-16, 2016/11/16, 2016.11.16, 2016年11月16日, 20161116, a date cell or an Excel serial number."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_serial(value)
    raw = folded(value)
    if not raw:
        return None
    if len(raw) == 10 and raw[4] == raw[7] == "-" and raw.isascii() and raw.replace("-", "").isdigit():
        try:  # the ISO form, by far the most common: no regex needed
            return datetime.date(int(raw[:4]), int(raw[5:7]), int(raw[8:]))
        except ValueError:
            pass  # no such day: the general path says so
    match = _DATE.fullmatch(raw)
    try:
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        if _EIGHT_DIGITS.fullmatch(raw):
            return datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise CellError(f"日期“{text(value)}”不存在") from None
    if _SERIAL_TEXT.fullmatch(raw):  # a serial number that arrived as text (CSV saved by Excel)
        return from_serial(float(raw))
    raise CellError(f"“{text(value)}”不是可识别的日期，请写成 2016-11-16 的形式")


def _number_text(value) -> str:
    raw = folded(value).replace(",", "").replace("，", "")
    for unit in ("元", "¥", "￥", "人", "个", "年", "名"):
        raw = raw.replace(unit, "")
    return raw


def integer(value) -> int | None:
    """A non-negative whole number, also when stored as text ("12", "12.0", "１２", "1,200")."""
    if value is None or value == "":
        return None
    raw = _number_text(value)
    if not raw:
        return None
    try:
        number = decimal.Decimal(raw)
    except decimal.InvalidOperation:
        raise CellError(f"“{text(value)}”不是整数") from None
    if number != number.to_integral_value() or number < 0:
        raise CellError(f"“{text(value)}”应为不小于 0 的整数")
    if number > 2_000_000_000:
        raise CellError(f"“{text(value)}”超出了允许的范围")
    return int(number)


def amount(value) -> decimal.Decimal | None:
    """A sum of money in yuan with at most two decimals ("5,000.00元", "￥5000")."""
    if value is None or value == "":
        return None
    raw = _number_text(value)
    if not raw:
        return None
    try:
        number = decimal.Decimal(raw)
    except decimal.InvalidOperation:
        raise CellError(f"“{text(value)}”不是金额") from None
    if not number.is_finite() or number < 0 or number >= 10**10:
        raise CellError(f"“{text(value)}”不是有效的金额")
    return number.quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)


def id_number(value) -> str:
    """An 18-character ID number checked against GB 11643 (format, birth date, check digit)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Excel keeps 15 significant digits: an ID typed into a number cell has lost its last digits.
        raise CellError("公民身份号码被存成了数字，后几位已丢失；请把该列设为文本格式后重新填写")
    raw = folded(value).upper().replace("-", "")
    if not raw:
        return ""
    if _well_formed_id(raw):
        return raw
    problem = id_number_problem(raw)  # the member rules' words (`members.validators`)
    if problem:
        raise CellError(problem)
    return raw


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_OFFSET = ord("0") * sum(_ID_WEIGHTS)  # the ASCII codes' share of the weighted sum
_ID_CHECK = "10X98765432"
_ID_FORM = re.compile(r"[0-9]{17}[0-9X]")


def _well_formed_id(raw: str) -> bool:
    """What `id_number_problem` accepts, for the common ASCII case, without its per-digit Python loop: the
    weighted sum over the bytes (C speed) less the ASCII offset. Anything else goes the long way for its message.
    `tests/test_member_rules.py` holds it to `id_number_problem` over generated numbers."""
    if not _ID_FORM.fullmatch(raw):
        return False
    total = sum(map(operator.mul, raw.encode()[:17], _ID_WEIGHTS)) - _ID_OFFSET
    if _ID_CHECK[total % 11] != raw[17]:
        return False
    try:
        datetime.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        return False
    return True


def birth_date_of(id_no: str) -> datetime.date:
    return datetime.date(int(id_no[6:10]), int(id_no[10:12]), int(id_no[12:14]))


def gender_of(id_no: str) -> str:
    """GB 11643: the 17th character is odd for men, even for women."""
    return "male" if int(id_no[16]) % 2 else "female"


_PHONE_SEPARATORS = re.compile(r"[\s\-()./]")


def phone(value) -> str:
    """Digits only: separators (space, -, parentheses, dots) and a +86 prefix dropped; 11-digit mobile numbers
    or fixed-line numbers of 7, 8 or (with area code) 11–12 digits, as the member rules accept."""
    raw = folded(value)
    if not raw:
        return ""
    digits = raw if raw.isdigit() else _PHONE_SEPARATORS.sub("", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isdigit() or len(digits) not in PHONE_LENGTHS:
        raise CellError(phone_problem(digits))  # the member rules' words (`members.validators`)
    return digits
