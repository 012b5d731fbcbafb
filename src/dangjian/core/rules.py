"""What every domain's rules function answers with: a problem is a field and a Chinese message.

A model's rules live in one function of its app (`members.rules.member_problems`, `orgs.rules`), which the form,
the service and the import all call; each shows the message its own way (under the field, in a ValidationError,
in the import's "第 N 行「列」：…"), so the words are the same whichever way the value came in. Messages end
without a full stop: the import puts them after the row and column.
"""

from __future__ import annotations

from typing import NamedTuple

# A required value left blank: the import's converters (`sheets.rowparse`) and the rules functions say it alike.
REQUIRED = "必填，不能为空"


class Problem(NamedTuple):
    """One broken rule: the field it is shown at ("" for the record as a whole) and what is wrong, in Chinese."""

    field: str
    message: str


def error_dict(problems: list[Problem]) -> dict[str, list[str]]:
    """Problems as `ValidationError` takes them (field → messages; "__all__" for the record as a whole)."""
    errors: dict[str, list[str]] = {}
    for field, message in problems:
        errors.setdefault(field or "__all__", []).append(message)
    return errors
