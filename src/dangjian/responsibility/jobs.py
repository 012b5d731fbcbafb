"""The responsibility lists' cadence job (listed in `dangjian.flows.schedule.JOBS`): each month, the current
year's tasks of every valid duty item are made where missing — a duty assigned since the last run gets its
remaining periods, and on the first run of a year the whole year's tasks appear. Idempotent: a period's task is
made once."""

from __future__ import annotations

from dangjian.cadence.jobs import Context

from .services import generate_tasks


def duty_tasks(ctx: Context) -> None:
    ctx.count("tasks", generate_tasks(ctx.today.year, actor=None))
