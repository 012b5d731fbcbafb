"""`/healthz`: public JSON about the database, the shared cache and the worker's heartbeat, nothing about anyone."""

from __future__ import annotations

import json
import time

import pytest
from django.db import connections
from django.test import Client

from dangjian.core import health
from dangjian.core.heartbeat import HEARTBEAT_KEY, STALE_SECONDS, Heartbeat, beat

pytestmark = pytest.mark.django_db


def healthz(client=None) -> tuple[int, dict]:
    response = (client or Client()).get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_it_answers_anyone_ok_with_a_fresh_heartbeat_and_names_nothing_but_the_machinery(region):
    beat(time.time() - 3)
    status, body = healthz()
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True and body["cache"]["ok"] is True
    assert body["worker"]["ok"] is True
    assert 3 <= body["worker"]["heartbeat_age_s"] < 10
    assert set(body) == {"status", "database", "cache", "worker"}
    text = json.dumps(body, ensure_ascii=False)
    assert region.city.name not in text and "王春生" not in text


def test_without_any_worker_heartbeat_it_says_degraded_but_keeps_the_process_in_rotation():
    status, body = healthz()
    assert status == 200
    assert body["status"] == "degraded"
    assert body["worker"] == {"ok": False, "heartbeat_age_s": None}


def test_a_heartbeat_older_than_a_minute_is_a_worker_gone():
    beat(time.time() - STALE_SECONDS - 5)
    status, body = healthz()
    assert (status, body["status"], body["worker"]["ok"]) == (200, "degraded", False)


def test_an_unreachable_database_answers_503_without_the_error_text(monkeypatch):
    beat()

    def refused():
        raise connections["default"].Database.OperationalError("could not connect to server at 10.1.2.3")

    monkeypatch.setattr(health, "database", refused)
    status, body = healthz()
    assert status == 503
    assert body["status"] == "fail"
    assert body["database"]["ok"] is False and body["cache"]["ok"] is True
    assert "10.1.2.3" not in json.dumps(body)


def test_an_unreachable_cache_answers_503(monkeypatch):
    def refused(*args, **kwargs):
        raise ConnectionError("redis at 10.1.2.4 refused")

    monkeypatch.setattr(health.cache, "set", refused)
    status, body = healthz()
    assert status == 503
    assert (body["status"], body["cache"]["ok"], body["database"]["ok"]) == ("fail", False, True)


def test_it_refuses_to_be_posted_to():
    assert Client().post("/healthz").status_code == 405


def test_the_worker_heartbeat_thread_beats_at_once_and_stops_when_told(settings):
    from django.core.cache import cache

    cache.delete(HEARTBEAT_KEY)
    thread = Heartbeat(every=0.05)
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while cache.get(HEARTBEAT_KEY) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert time.time() - cache.get(HEARTBEAT_KEY) < 5
    finally:
        thread.stop()
        thread.join(timeout=5)
    assert not thread.is_alive()
