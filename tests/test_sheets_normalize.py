"""What people really type, cell by cell."""

from __future__ import annotations

import datetime
import decimal

import pytest

from dangjian.core import normalize as N
from dangjian.sheets.read import detect_encoding

D = datetime.date(2016, 11, 16)


@pytest.mark.parametrize(
    "raw",
    [
        "2016-11-16",
        "2016/11/16",
        "2016.11.16",
        "2016年11月16日",
        "２０１６年１１月１６日",
        " 2016-11-16 00:00:00 ",
        "20161116",
        42690,
        42690.0,
        "42690",
        datetime.datetime(2016, 11, 16, 0, 0),
        D,
    ],
)
def test_every_date_form_reads_as_the_same_day(raw):
    assert N.date(raw) == D


@pytest.mark.parametrize(("raw", "message"), [("2016-02-30", "不存在"), ("16-11-16", "不是可识别的日期"), (0, "有效")])
def test_bad_dates_say_why(raw, message):
    with pytest.raises(N.CellError, match=message):
        N.date(raw)


def test_excel_serial_numbers_skip_the_fictitious_leap_day():
    assert N.from_serial(1) == datetime.date(1900, 1, 1)
    assert N.from_serial(61) == datetime.date(1900, 3, 1)


def test_text_drops_invisible_characters_and_folds_spaces():
    assert N.text("\ufeff 青松\u200b村\u3000党支部 \u00a0") == "青松村 党支部"
    assert N.text(12.0) == "12" and N.text(None) == ""
    assert N.code("Ｔ－ＶＩＬＬＡＧＥ ") == "T-VILLAGE"


def test_names_lose_alignment_spaces_but_foreign_names_keep_theirs():
    assert N.person_name("王  芳") == "王芳"
    assert N.person_name("阿依古丽 • 买买提") == "阿依古丽·买买提"
    assert N.person_name("Anna  Li") == "Anna Li"


def test_numbers_stored_as_text():
    assert N.integer("１２") == 12 and N.integer("12.0") == 12 and N.integer("1,200") == 1200 and N.integer(3.0) == 3
    assert N.amount("￥5,000.5元") == decimal.Decimal("5000.50")
    with pytest.raises(N.CellError):
        N.integer("2.5")


def test_id_numbers_fold_case_and_width():
    assert N.id_number("990101198001010014".replace("4", "４")) == "990101198001010014"
    with pytest.raises(N.CellError, match="校验码错误（按前 17 位应为 4）"):
        N.id_number("990101198001010015")


def test_phone_separators_and_country_code():
    assert N.phone("138 0000-1111") == "13800001111"
    assert N.phone("+86 13800001111") == "13800001111"
    assert N.phone("8613800001111") == "13800001111"
    assert N.phone(13800001111.0) == "13800001111"
    assert N.phone("(0471)1234567") == "04711234567"


def test_choices_accept_labels_and_values():
    choices = (("male", "男"), ("female", "女"))
    assert N.choice(" 女 ", choices) == "female" and N.choice("MALE", choices) == "male"
    assert N.boolean("是") is True and N.boolean("否") is False and N.boolean("") is None and N.boolean("√") is True


def test_encoding_detection():
    assert detect_encoding("姓名".encode("gbk")) == "gb18030"
    assert detect_encoding("\ufeff姓名".encode()) == "utf-8-sig"
    assert detect_encoding("姓名".encode()) == "utf-8"
