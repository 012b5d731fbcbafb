"""The daily cleanup as a scheduled job: what `sheets.leftovers` removes, counted for the job's run record.

The cleanup itself stays in `sheets` (the server's start calls it too); only this wrapper knows the scheduler's
`Context`, because `sheets` sits below `cadence` in the layers and may not import it.
"""

from __future__ import annotations

from django.utils import timezone

from dangjian.cadence.jobs import Context
from dangjian.core import jobs
from dangjian.sheets.leftovers import clean_leftovers


def clean_import_leftovers(context: Context) -> None:
    cleaned = clean_leftovers()
    context.count("jobs_failed", cleaned.jobs)
    context.count("uploads_removed", cleaned.uploads)
    context.count("changesets_removed", cleaned.changesets)
    context.count("background_jobs_failed", jobs.fail_abandoned())  # assessment runs, bulletins: same sweep
    context.count("job_files_pruned", jobs.prune_finished())  # their result files, past JOB_RETENTION_DAYS
    if cleaned:
        context.notes.append(f"{timezone.localtime():%Y-%m-%d %H:%M} {cleaned.summary()}")
