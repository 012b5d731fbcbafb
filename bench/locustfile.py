"""The load test's users (run by `bench/load.py`; see its docstring). Four personas browse and enter records as
they do in a working week; `LOAD_PHASE` picks what they do:

- `floor`: every user asks for `/ping/` (the cheapest Django view) without pause: the server's ceiling;
- `lists`: every user asks for the scoped list pages of its persona without pause: P5 compares their throughput
  with the floor's;
- `mix` (default): a realistic mix with 0.5–1.5 s between steps: the tree, lists, search, case and problem pages,
  and records entered (a meeting recorded by the branch, a note on a problem by the town).

The ids the pages need come from the file `bench/load_setup.py` wrote (`LOAD_SETUP`).
"""

from __future__ import annotations

import json
import os
import random
import re

import urllib3
from locust import HttpUser, between, constant, task

SETUP = json.load(open(os.environ["LOAD_SETUP"], encoding="utf-8"))  # noqa: SIM115 - read once at start
PHASE = os.environ.get("LOAD_PHASE", "mix")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SHOWN = re.compile(r'name="shown" value="(\d+)"')


class Persona(HttpUser):
    abstract = True
    username = ""
    wait_time = between(0.5, 1.5) if PHASE == "mix" else constant(0)

    def on_start(self) -> None:
        if self.host.startswith("https:"):
            # The kit of deploy/localkit.py: a self-signed certificate, and Django's CSRF check of HTTPS posts wants a
            # Referer of the site itself, as a browser sends.
            self.client.verify = False
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            self.client.headers["Referer"] = f"{self.host}/"
        page = self.client.get("/accounts/login/", name="login page")
        answer = self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": SETUP["password"], "csrfmiddlewaretoken": token(page.text)},
            name="login",
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"{self.username} 登录失败：{answer.status_code}")

    def get(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}")
            return answer

    def lists(self) -> list[tuple[str, str]]:
        """(url, name) of this persona's scoped list pages."""
        return [("/members/", "member list"), ("/problems/", "problem list"), ("/rectify/", "case list")]

    @task
    def work(self) -> None:
        if PHASE == "floor":
            self.get("/ping/", "floor /ping/")
        elif PHASE == "lists":
            self.get(*random.choice(self.lists()))
        else:
            random.choice(self.steps())()

    def steps(self):
        return [self.home, self.tree, self.a_list, self.search]

    def home(self) -> None:
        self.get("/", "home")

    def own_org(self) -> int:
        """The organization the persona opens the tree at (one it was granted)."""
        return SETUP["town"]["id"]

    def tree(self) -> None:
        self.get("/orgs/", "tree page")
        self.get(f"/orgs/{self.own_org()}/children/", "tree children JSON")

    def a_list(self) -> None:
        self.get(*random.choice(self.lists()))

    def search(self) -> None:
        self.get(f"/orgs/search/?q={random.choice(SETUP['search'])}", "org search")


def token(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else ""


class County(Persona):
    weight = 2
    username = "load_county"

    def own_org(self) -> int:
        return SETUP["county"]["id"]

    def steps(self):
        return super().steps() + [self.county_page, self.case, self.member_search]

    def county_page(self) -> None:
        self.get(f"/orgs/{SETUP['county']['id']}/", "org detail (county)")

    def case(self) -> None:
        self.get(f"/rectify/{SETUP['case']}/", "case page")

    def member_search(self) -> None:
        self.get(f"/members/?org_code={SETUP['town']['code']}&q=王", "member search in a town")


class Town(Persona):
    weight = 3
    username = "load_town"

    def lists(self):
        return super().lists() + [("/weekly/", "weekly board"), ("/partylife/", "meeting list")]

    def steps(self):
        return super().steps() + [self.town_page, self.problem, self.note_on_problem]

    def town_page(self) -> None:
        self.get(f"/orgs/{SETUP['town']['id']}/", "org detail (town)")

    def problem(self) -> None:
        self.get(f"/problems/{random.choice(SETUP['problems'])}/", "problem page")

    def note_on_problem(self) -> None:
        pk = random.choice(SETUP["problems"])
        page = self.get(f"/problems/{pk}/", "problem page")
        with self.client.post(
            f"/problems/{pk}/progress/",
            {"note": "已联系施工队，本周内维修", "csrfmiddlewaretoken": token(page.text)},
            name="enter: problem progress",
            catch_response=True,
            allow_redirects=False,
        ) as answer:
            # The town is not the responsible village: the service refuses in Chinese and the page says so (200),
            # a redirect means it was written; both are a working answer, an error code is not.
            if answer.status_code not in (200, 302):
                answer.failure(f"{answer.status_code}")


class Station(Persona):
    weight = 2
    username = "load_station"

    def own_org(self) -> int:
        return SETUP["branch"]["id"]  # one of the station's villages

    def lists(self):
        return [("/weekly/", "weekly board"), ("/problems/", "problem list"), ("/members/", "member list")]

    def steps(self):
        return super().steps() + [self.station_board]

    def station_board(self) -> None:
        self.get(f"/weekly/station/{SETUP['station']}/", "station board")


class Branch(Persona):
    weight = 3
    username = "load_branch"

    def own_org(self) -> int:
        return SETUP["branch"]["id"]

    def lists(self):
        return [("/members/", "member list"), ("/partylife/", "meeting list"), ("/problems/", "problem list")]

    def steps(self):
        return super().steps() + [self.branch_page, self.record_meeting]

    def branch_page(self) -> None:
        self.get(f"/orgs/{SETUP['branch']['id']}/", "org detail (branch)")

    def record_meeting(self) -> None:
        page = self.get("/partylife/meetings/new/", "meeting form")
        ids = SHOWN.findall(page.text)
        with self.client.post(
            "/partylife/meetings/new/",
            {
                "csrfmiddlewaretoken": token(page.text),
                "org_code": SETUP["branch"]["code"],
                "kind": "theme_day",
                "date": "2026-12-01",
                "topic": "学习贯彻全会精神主题党日",
                "shown": ids,
                "present": ids,
            },
            name="enter: record a meeting",
            catch_response=True,
            allow_redirects=False,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"{answer.status_code}")
