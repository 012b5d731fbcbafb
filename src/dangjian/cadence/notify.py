"""The notification centre's one entry point: `notify(users, title=..., body=..., url=..., key=...)`.

In-app notifications are written at once (in the caller's transaction), skipping users who already have one with
the same key, so a re-run never repeats a message. The configured senders (e-mail, SMS; `senders.py`) run after
the transaction commits: a message is never sent about something that was rolled back, and a failing sender never
loses the in-app notification. Inside a scheduled job, sender failures are recorded on the job's run.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterable

from django.db import transaction

from .models import Notification
from .senders import configured_senders

log = logging.getLogger("dangjian.cadence")

# The JobRun being executed, if any: its id receives the sender failures (set by `jobs.run_due`).
current_run: contextvars.ContextVar[int | None] = contextvars.ContextVar("dangjian_cadence_run", default=None)


def notify(users: Iterable, *, title: str, body: str = "", url: str = "", key: str) -> int:
    """Notify each of `users` (duplicates and None are ignored) unless they already have a notification `key`.
    Returns how many notifications were created."""
    by_pk = {user.pk: user for user in users if user is not None and user.is_active}
    if not by_pk:
        return 0
    have = set(Notification.objects.filter(user_id__in=by_pk, key=key).values_list("user_id", flat=True))
    new = [
        Notification(user=user, title=title[:200], body=body, url=url[:500], key=key[:200])
        for pk, user in sorted(by_pk.items())
        if pk not in have
    ]
    if not new:
        return 0
    # ignore_conflicts: a concurrent run that just wrote the same (user, key) wins, and nobody gets it twice.
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    run_id = current_run.get()
    transaction.on_commit(lambda: deliver(new, run_id))
    return len(new)


def deliver(notifications: list[Notification], run_id: int | None = None) -> list[str]:
    """Hand each notification to every configured sender; returns the failures (also logged and, for a job's run,
    added to its record)."""
    failures: list[str] = []
    try:
        senders = configured_senders()
    except Exception as exc:  # a bad setting must not stop the job or lose the in-app notification
        senders = []
        failures.append(f"发送方式配置有误：{exc}")
    sent = 0
    for notification in notifications:
        for sender in senders:
            try:
                sent += bool(sender.send(notification))
            except Exception as exc:  # each sender's failure is recorded; the others still run
                failures.append(f"{type(sender).__name__} → {notification.user}：{exc}")
    for failure in failures:
        log.warning("通知发送失败：%s", failure)
    if run_id is not None and (failures or sent):
        from .jobs import note_delivery

        note_delivery(run_id, sent=sent, failures=failures)
    return failures
