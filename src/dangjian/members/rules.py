"""Every rule a member's values must keep, in one table: the web form (`MemberForm.clean`), the services
(`create_member`, `update_member`) and the import (`sheets.import_members`, `sheets.member_prep`) all ask it.

`member_problems` checks one member, given as a dict of its values; `problems_by_column` checks many members given
column by column (the import's chunks), each rule one pass over its columns. Both read the same `RULES`, and a
property test (`tests/test_member_rules.py`) holds the second to the first.

A rule reads the values it names (`Rule.reads`) and is skipped when one of them is not given at all: a form field or
a cell that failed its own check is not given, so it is reported once, by that check, and the rules across fields
say nothing more about it. A blank value is given (None or ""): the rules that need it say so, the others pass.
"""

from __future__ import annotations

import datetime
import itertools
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dangjian.core.rules import REQUIRED, Problem

from .validators import born_of, id_number_problem, phone_problem

__all__ = [
    "ACROSS",
    "BIRTH_FROM_ID",
    "REQUIRED",
    "REQUIRED_FIELDS",
    "RULES",
    "Problem",
    "Rule",
    "member_problems",
    "problems_by_column",
]


@dataclass(frozen=True)
class Rule:
    """One rule: where its message is shown, the values it reads (in order), when they break it, and what it says
    (a text, or made from the same values)."""

    field: str
    reads: tuple[str, ...]
    broken: Callable[..., Any]  # truthy when the values, in `reads` order, break the rule
    message: str | Callable[..., str]

    def says(self, *values) -> str:
        return self.message if isinstance(self.message, str) else self.message(*values)


def _id_birth_disagrees(id_no, birth) -> bool:
    born = born_of(id_no) if id_no and birth else None
    return born is not None and born != birth


BIRTH_FROM_ID = Rule(
    "birth_date",
    ("id_number", "birth_date"),
    _id_birth_disagrees,
    lambda id_no, _birth: f"与公民身份号码中的出生日期 {born_of(id_no):%Y-%m-%d} 不一致",
)
# Fields a member cannot be without. (The import fills a blank gender from the ID number before asking.)
REQUIRED_FIELDS = ("name", "gender")

RULES: tuple[Rule, ...] = (
    # Single values. The import checks these while parsing its cells (`sheets.normalize`, `sheets.rowparse`), with
    # these words, and asks only `ACROSS` of `member_problems` (a value its parsing refused is not given).
    *(Rule(name, (name,), operator.not_, REQUIRED) for name in REQUIRED_FIELDS),
    Rule("id_number", ("id_number",), lambda id_no: id_no and id_number_problem(id_no), id_number_problem),
    Rule("phone", ("phone",), lambda phone: phone and phone_problem(phone), phone_problem),
    # Across fields.
    BIRTH_FROM_ID,
    Rule(
        "mobile_destination",
        ("is_mobile", "mobile_destination"),
        lambda mobile, where: mobile and not where,
        "流动党员请填写流入地",
    ),
    Rule(
        "join_date",
        ("join_date", "birth_date"),
        lambda join, birth: join and birth and join <= birth,
        "入党日期应晚于出生日期",
    ),
    Rule(
        "full_date",
        ("full_date", "join_date"),
        lambda full, join: full and join and full < join,
        "转正日期不能早于入党日期",
    ),
    # A date still to come has not happened: today is the caller's `timezone.localdate()`, given as `today`.
    Rule("join_date", ("join_date", "today"), lambda join, today: join and join > today, "入党日期不能晚于今天"),
    Rule("full_date", ("full_date", "today"), lambda full, today: full and full > today, "转正日期不能晚于今天"),
)
# The rules across fields: what the import asks once its cells are parsed (each single value checked there).
ACROSS: tuple[Rule, ...] = tuple(rule for rule in RULES if len(rule.reads) > 1)


def member_problems(values: Mapping[str, Any], *, today: datetime.date, rules: Iterable[Rule] = RULES) -> list[Problem]:
    """What is wrong with a member whose values are `values` (model field names; a field not given is not checked),
    in the order of `rules`. `today` is `timezone.localdate()` of the caller."""
    given = {**values, "today": today}
    problems = []
    for rule in rules:
        if all(name in given for name in rule.reads):
            read = [given[name] for name in rule.reads]
            if rule.broken(*read):
                problems.append(Problem(rule.field, rule.says(*read)))
    return problems


def problems_by_column(
    columns: Mapping[str, list], count: int, *, today: datetime.date, rules: Iterable[Rule] = RULES
) -> list[list[Problem]]:
    """`member_problems` of `count` members given column by column (a column not given: as a value not given), each
    rule one pass over its columns; each member's problems in the same order."""
    given = {**columns, "today": [today] * count}
    found: dict[int, list[Problem]] = {}
    for rule in rules:
        if not all(name in given for name in rule.reads):
            continue
        read = [given[name] for name in rule.reads]
        broken = itertools.compress(range(count), map(rule.broken, *read))
        for k in broken:
            found.setdefault(k, []).append(Problem(rule.field, rule.says(*(column[k] for column in read))))
    return [found.get(k, []) for k in range(count)]
