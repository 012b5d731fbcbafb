"""The second template engine: Jinja2, for the rows of the busiest list pages.

A list page writes 50 rows of six to eight cells. Django's engine interprets its node tree for every cell of every row
(variable lookups tried as key, attribute and index in turn, each value escaped through a chain of calls); that loop
was half the CPU of a member or problem list. Jinja2 compiles a template to Python once per process, so the same rows
cost a fraction. Only the rows move: the page around them (the layout, the top bar, the filters and the pager) stays
in Django's templates, and `{% rows "members/rows.html" %}` (core/templatetags/pages.py) renders the rows in place
with the page's context. The rows' templates live in each app's `jinja2/` folder.

The filters here are Django's own or the ones of `pages` (tests/test_jinja_rows.py holds each equal to what the
Django template shows), so a row reads the same in either engine. Differences to keep in mind when writing one:
`a or "—"` where Django writes `a|default:"—"` (Jinja2's `default` only replaces what is undefined), `loop.index` for
`forloop.counter`, and methods are called explicitly (`m.get_absolute_url()`).
"""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatechars, yesno
from django.utils.timezone import template_localtime
from jinja2 import Environment

from .templatetags.pages import label, row_url_of, ymd


def local_date(value, arg: str | None = None) -> str:
    """`{{ d|date("n月j日 H:i") }}`: Django's `date` filter, given the local time as Django's engine gives it."""
    return date_filter(template_localtime(value), arg)


def local_ymd(value) -> str:
    return ymd(template_localtime(value))


def environment(**options) -> Environment:
    options.setdefault("keep_trailing_newline", True)  # as Django's engine: the same HTML from either
    env = Environment(**options)  # noqa: S701 - Django's backend passes autoescape=True
    env.filters.update(
        date=local_date,
        ymd=local_ymd,
        label=label,
        truncatechars=truncatechars,
        yesno=yesno,
        intcomma=intcomma,
    )
    env.globals.update(row_url=row_url_of)
    return env
