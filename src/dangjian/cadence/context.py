"""The unread count in the top bar, kept in the session for a minute so ordinary pages ask the database nothing."""

from __future__ import annotations

import time

from .models import Notification

_SESSION_KEY = "dangjian_unread"
_SESSION_TTL = 60  # seconds: a new notification shows in the count within a minute; the list page is always exact


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def forget_unread(request) -> None:
    """After the user reads notifications, the next page counts again."""
    if hasattr(request, "session"):
        request.session.pop(_SESSION_KEY, None)


def notifications_context(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    session = getattr(request, "session", None)
    if session is None:
        return {"unread_notifications": unread_count(user)}
    cached = session.get(_SESSION_KEY)
    now = int(time.time())
    if not cached or cached.get("user") != user.pk or now - cached.get("at", 0) > _SESSION_TTL:
        cached = {"user": user.pk, "at": now, "count": unread_count(user)}
        session[_SESSION_KEY] = cached
    return {"unread_notifications": cached["count"]}
