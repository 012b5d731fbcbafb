"""Changes a user makes to their own notifications: marking them read."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone

from .models import Notification


def get_notification_for_user(user, pk) -> Notification:
    """A user's own notification; anyone else's answers 404 like a missing one."""
    try:
        return Notification.objects.get(pk=pk, user=user)
    except (Notification.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到该通知。") from exc


def mark_read(notification: Notification) -> None:
    # Not audited: reading one's own message changes no record of the organization's work.
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def mark_all_read(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
