"""Whole numbers read from a query string (ids, offsets, page numbers, years), parsed in one place.

A value that is not a whole number, or one the database cannot hold, is refused with 400 and a message in Chinese
before it reaches a query. Passed on, `?offset=99999999999999999999999` or `?parent=9223372036854775808` ends in a
server error: SQLite's INTEGER and PostgreSQL's bigint are signed 64-bit integers, and Python's int is not bounded.
"""

from __future__ import annotations

import re

from django.core.exceptions import BadRequest
from rest_framework.exceptions import APIException

BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1  # the largest id, offset or page either database can compare with

_WHOLE = re.compile(r"[+-]?\d{1,19}")  # 19 digits hold every int64; longer is out of range before parsing


class BadParameter(BadRequest, APIException):
    """A query parameter that cannot be what it names. Both a Django `BadRequest` (the pages answer 400 through
    `handler400`, with the message) and a DRF `APIException` (the API answers 400 as `{"detail": ...}`), so the same
    parser serves a view of either kind."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str):
        BadRequest.__init__(self, message)
        APIException.__init__(self, message)

    def __str__(self) -> str:
        return str(self.detail)


def range_message(name: str, minimum: int, maximum: int) -> str:
    return f"参数“{name}”应为 {minimum} 到 {maximum} 之间的整数。"


def int_param(params, name: str, default: int | None = None, *, minimum: int = 0, maximum: int = BIGINT_MAX):
    """The whole number `params[name]` (a QueryDict or dict), `default` when absent or blank; BadParameter when it
    is not a whole number in [minimum, maximum]."""
    raw = params.get(name)
    if raw is None or not str(raw).strip():
        return default
    text = str(raw).strip()
    if not _WHOLE.fullmatch(text):
        raise BadParameter(range_message(name, minimum, maximum))
    value = int(text)
    if not minimum <= value <= maximum:
        raise BadParameter(range_message(name, minimum, maximum))
    return value
