"""The notification centre: deduplicated in-app notifications, pluggable senders, pages for their owner only."""

import datetime
import json
import threading
import zoneinfo
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.contrib.auth.models import User
from django.core import mail

from dangjian.cadence import jobs
from dangjian.cadence.models import JobRun, Notification
from dangjian.cadence.notify import notify
from dangjian.cadence.senders import LogSender

pytestmark = pytest.mark.django_db
LOG = "dangjian.cadence.senders.LogSender"
BROKEN = "test_cadence_notify.BrokenSender"


class BrokenSender:
    def send(self, notification):
        raise OSError("短信网关无响应")


def phone_of(user):
    return {"county_user": "13900000001"}.get(user.username, "")


@pytest.fixture(autouse=True)
def _sent():
    LogSender.sent.clear()
    yield
    LogSender.sent.clear()


def test_notify_creates_one_notification_per_user_and_key(county_user, town_user):
    assert notify([county_user, town_user, county_user, None], title="提示", key="k1") == 2
    assert notify([county_user, town_user], title="提示", key="k1") == 0
    assert notify([county_user], title="另一条", key="k2") == 1
    assert Notification.objects.filter(user=county_user).count() == 2


def test_inactive_users_are_not_notified(county_user):
    county_user.is_active = False
    county_user.save()
    assert notify([county_user], title="提示", key="k") == 0


def test_senders_get_each_new_notification_after_commit(settings, county_user, django_capture_on_commit_callbacks):
    settings.DANGJIAN_NOTIFY_SENDERS = [LOG]
    with django_capture_on_commit_callbacks(execute=True):
        notify([county_user], title="每周一提示", key="a")
        notify([county_user], title="每周一提示", key="a")  # a duplicate is neither stored nor sent
    assert [n.title for n in LogSender.sent] == ["每周一提示"]


def test_a_failing_sender_loses_no_notification_and_is_recorded_on_the_run(
    settings, county_user, django_capture_on_commit_callbacks
):
    settings.DANGJIAN_NOTIFY_SENDERS = [BROKEN, LOG]

    def tell(ctx):
        ctx.count("通知", notify([county_user], title="逾期上报", key=f"t:{ctx.period.key}"))

    listed = [jobs.Job("test_tell", "day", "测试", tell)]
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run_due(listed, datetime.datetime(2026, 11, 3, 9, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")))
    assert Notification.objects.get(user=county_user).title == "逾期上报"
    assert len(LogSender.sent) == 1  # the other sender still ran
    run = JobRun.objects.get(job="test_tell")
    assert run.counts == {"通知": 1, "外发成功": 1, "外发失败": 1}
    assert "BrokenSender" in run.detail and "短信网关无响应" in run.detail


def test_email_sender_mails_users_with_an_address(settings, county_user, town_user, django_capture_on_commit_callbacks):
    settings.DANGJIAN_NOTIFY_SENDERS = ["dangjian.cadence.senders.EmailSender"]
    settings.DANGJIAN_SITE_URL = "https://dj.example.cn"
    county_user.email = "county@example.cn"
    county_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify([county_user, town_user], title="每月一抽查", body="本月抽查名单", url="/notifications/", key="m")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["county@example.cn"] and message.subject == "每月一抽查"
    assert "本月抽查名单" in message.body and "https://dj.example.cn/notifications/" in message.body


def test_sms_gateway_sender_posts_the_phone_and_text_with_the_token(
    settings, county_user, town_user, django_capture_on_commit_callbacks
):
    received = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Authorization"], json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.DANGJIAN_NOTIFY_SENDERS = ["dangjian.cadence.senders.SmsGatewaySender"]
        settings.DANGJIAN_SMS_URL = f"http://127.0.0.1:{server.server_port}/send"
        settings.DANGJIAN_SMS_TOKEN = "gw-token"
        settings.DANGJIAN_SMS_PHONE_OF = "test_cadence_notify.phone_of"
        with django_capture_on_commit_callbacks(execute=True):
            notify([county_user, town_user], title="逾期上报：青松村", url="/rectify/1/", key="s")
    finally:
        server.shutdown()
    # town_user has no phone number: skipped, not failed.
    assert received == [("Bearer gw-token", {"phone": "13900000001", "text": "逾期上报：青松村 /rectify/1/"})]


def test_a_misconfigured_sms_gateway_is_reported_and_the_notification_kept(
    settings, county_user, django_capture_on_commit_callbacks, caplog
):
    settings.DANGJIAN_NOTIFY_SENDERS = ["dangjian.cadence.senders.SmsGatewaySender"]
    settings.DANGJIAN_SMS_URL = "ftp://gateway"
    with django_capture_on_commit_callbacks(execute=True):
        notify([county_user], title="提示", key="x")
    assert Notification.objects.filter(user=county_user).exists()
    assert "DANGJIAN_SMS_URL" in caplog.text


# ---------------------------------------------------------------------------------------------------- pages


def test_the_list_shows_only_own_notifications_unread_first(county_user, town_user, login):
    notify([county_user], title="旧的已读", key="1")
    notify([county_user], title="新的未读", key="2")
    notify([town_user], title="别人的通知", key="3")
    Notification.objects.filter(title="旧的已读").update(read_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    Notification.objects.filter(title="新的未读").update(created_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    response = login(county_user).get("/notifications/")
    assert response.status_code == 200
    assert [n.title for n in response.context["notifications"]] == ["新的未读", "旧的已读"]
    assert "别人的通知" not in response.content.decode()
    assert response.context["unread"] == 1


def test_marking_read_works_for_the_owner_and_answers_404_to_anyone_else(county_user, town_user, login):
    notify([town_user], title="别人的通知", key="1", url="/orgs/")
    other = Notification.objects.get()
    client = login(county_user)
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{other.pk}/read/").status_code == 405
    assert client.post("/notifications/999999/read/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None

    owner = login(town_user)
    response = owner.post(f"/notifications/{other.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/orgs/"
    other.refresh_from_db()
    assert other.read_at is not None


def test_an_outside_link_is_never_followed(town_user, login):
    notify([town_user], title="外链", key="1", url="https://evil.example.com/")
    response = login(town_user).post(f"/notifications/{Notification.objects.get().pk}/read/", {"open": "1"})
    assert response["Location"] == "/notifications/"


def test_mark_all_read_touches_only_own_notifications(county_user, town_user, login):
    notify([county_user, town_user], title="提示", key="1")
    notify([county_user], title="提示二", key="2")
    response = login(county_user).post("/notifications/read-all/", follow=True)
    assert "已将 2 条通知标为已读" in response.content.decode()
    assert Notification.objects.unread().get().user == town_user


def test_the_top_bar_shows_the_unread_count_and_refreshes_after_reading(county_user, login):
    notify([county_user], title="提示", key="1")
    notify([county_user], title="提示二", key="2")
    client = login(county_user)
    assert '通知 <span class="count" title="未读通知">2</span>' in client.get("/").content.decode()
    client.post("/notifications/read-all/")
    page = client.get("/").content.decode()
    assert ">通知</a>" in page and 'title="未读通知"' not in page


def test_anonymous_visitors_are_sent_to_login():
    from django.test import Client

    for url in ("/notifications/", "/notifications/spot-checks/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not User.objects.exists()
