"""Today is the day in the configured time zone (Asia/Shanghai), not the server clock's day.

On a server whose clock runs in UTC, 2026-12-31 20:00 UTC is already 2027-01-01 04:00 in Shanghai: for eight hours
a day `date.today()` and `timezone.localdate()` name different days, and on New Year's Eve different years.
"""

import datetime
import io
import time

import pytest
import time_machine
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

NEW_YEARS_EVE_UTC = datetime.datetime(2026, 12, 31, 20, 0, tzinfo=datetime.UTC)  # 2027-01-01 04:00 in Shanghai


@pytest.fixture
def utc_server_clock(monkeypatch):
    """The process's own clock in UTC (Django moves TIME_ZONE into TZ at start-up; an embedding server, Windows, or
    a worker started with TZ set may not), at the hour when UTC and Shanghai name different days."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    with time_machine.travel(NEW_YEARS_EVE_UTC, tick=False):
        yield
    monkeypatch.undo()
    time.tzset()


def test_the_chief_rating_form_proposes_the_new_year_after_midnight_in_shanghai(
    region, login, county_user, utc_server_clock
):
    form = login(county_user).get("/accountability/ratings/new/").context["form"]
    assert form["year"].value() == 2027


def test_the_assessment_form_proposes_the_cutoff_of_the_new_year(region, login, county_user, utc_server_clock):
    form = login(county_user).get("/assess/new/").context["form"]
    assert form["cutoff"].value() == datetime.date(2027, 12, 31)


def test_the_import_template_is_dated_the_day_in_shanghai(region, login, county_user, utc_server_clock):
    response = login(county_user).get("/sheets/import/members/template/")
    guide = load_workbook(io.BytesIO(response.content))["填写说明"]
    dated = [row[2] for row in guide.iter_rows(values_only=True) if str(row[2] or "").startswith("模板生成日期")]
    assert dated == ["模板生成日期：2027-01-01"]


def test_no_code_asks_the_server_clock_for_today():
    """Every "today" of the app is `timezone.localdate()`: a `date.today` anywhere in the source is the bug above."""
    from pathlib import Path

    import dangjian

    root = Path(dangjian.__file__).parent
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "date.today" in line
    ]
    assert found == []
