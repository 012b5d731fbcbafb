"""The periodic jobs, listed in one place: what `dangjian cadence run` (cron) and `dangjian serve --with-scheduler`
run. The scheduler (`dangjian.cadence.jobs`) is handed this list; it imports no app to find jobs, and no module
registers a job by being imported. A new job is one more line here."""

from __future__ import annotations

import datetime

from dangjian.assess import jobs as assess
from dangjian.cadence import jobs
from dangjian.cadence.jobs import Job, Outcome
from dangjian.inspections import jobs as inspections
from dangjian.problems import jobs as problems
from dangjian.rectify import jobs as rectify
from dangjian.weekly import jobs as weekly

from .cleanup import clean_import_leftovers

JOBS: tuple[Job, ...] = (
    Job("weekly_reminder", every="week", title="每周一提示", func=rectify.weekly_reminder),
    Job("spot_check", every="month", title="每月一抽查", func=inspections.spot_check),  # a provable random draw
    Job("escalation", every="day", title="逾期逐级上报", func=rectify.escalation),
    Job("quarterly_bulletin", every="quarter", title="每季一通报", func=rectify.quarterly_bulletin),
    Job("import_leftovers", every="day", title="清理导入遗留文件", func=clean_import_leftovers),
    Job("weekly_cycle_reminder", every="week", title="每周一提示（两下两上）", func=weekly.weekly_cycle_reminder),
    Job("problem_escalation", every="day", title="问题逾期逐级上报", func=problems.problem_escalation),
    Job("inspection_draws", every="day", title="到时抽取", func=inspections.inspection_draws),
    Job("assess_cutoff_facts", every="day", title="考核按截止日取数", func=assess.cutoff_facts),
)


def run_due(now: datetime.datetime | None = None, *, only: str | None = None) -> list[Outcome]:
    """Run the due, not yet run periods of the listed jobs (or only of the job `only`)."""
    return jobs.run_due(JOBS, now, only=only)
