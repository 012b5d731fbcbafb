"""Senders carry a notification beyond the app: e-mail, an SMS gateway, or a log (tests, trials).

Which ones run is a deployment setting, `DANGJIAN_NOTIFY_SENDERS` (comma-separated dotted paths in the
environment). A sender is a class with `send(notification)`; it raises on failure. The in-app notification is
written before any sender runs, so a failing gateway never loses it (the failure is logged and, in a scheduled
job, recorded on the job's run).
"""

from __future__ import annotations

import json
import logging
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.utils.module_loading import import_string

log = logging.getLogger("dangjian.cadence")


def absolute_url(url: str) -> str:
    """Links in e-mail and SMS need the site's address (`DANGJIAN_SITE_URL`); in-app links stay relative."""
    base = getattr(settings, "DANGJIAN_SITE_URL", "").rstrip("/")
    return f"{base}{url}" if url.startswith("/") and base else url


class EmailSender:
    """Through Django's e-mail backend (EMAIL_HOST etc.), to the user's e-mail address; users without one skip."""

    def send(self, notification) -> bool:
        address = notification.user.email
        if not address:
            return False
        body = notification.body
        if notification.url:
            body = f"{body}\n\n{absolute_url(notification.url)}"
        send_mail(notification.title, body, None, [address], fail_silently=False)
        return True


class SmsGatewaySender:
    """HTTP POST of JSON `{"phone", "text"}` to `DANGJIAN_SMS_URL` with `Authorization: Bearer DANGJIAN_SMS_TOKEN`.

    Where a user's phone number comes from differs between installations, so it is a callable named by
    `DANGJIAN_SMS_PHONE_OF` (dotted path; takes the user, returns the number or "" to skip that user).
    """

    timeout = 10

    def __init__(self):
        self.url = getattr(settings, "DANGJIAN_SMS_URL", "")
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("DANGJIAN_SMS_URL 须为 http(s) 地址。")
        path = getattr(settings, "DANGJIAN_SMS_PHONE_OF", "")
        if not path:
            raise ImproperlyConfigured("使用短信网关须设置 DANGJIAN_SMS_PHONE_OF（取用户手机号的函数）。")
        self.phone_of = import_string(path)
        self.token = getattr(settings, "DANGJIAN_SMS_TOKEN", "")

    def send(self, notification) -> bool:
        phone = self.phone_of(notification.user)
        if not phone:
            return False
        text = notification.title
        if notification.url:
            text = f"{text} {absolute_url(notification.url)}"
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise OSError(f"短信网关返回 {response.status}")
        return True


class LogSender:
    """Writes each notification to the log and keeps it in `sent` (tests, trial installations)."""

    sent: list = []  # noqa: RUF012 - shared on purpose: tests read what was sent

    def send(self, notification) -> bool:
        LogSender.sent.append(notification)
        log.info("通知 %s → %s：%s", notification.key, notification.user, notification.title)
        return True


def configured_senders() -> list:
    """The senders named by `DANGJIAN_NOTIFY_SENDERS`, built afresh for each delivery (cheap, and a changed
    setting takes effect at once)."""
    return [import_string(path)() for path in getattr(settings, "DANGJIAN_NOTIFY_SENDERS", ())]
