"""Dues pages, API and export as users meet them: a branch marks months paid, a manager sets a base, readers see
amounts but never bases (pages, API, export), the arrears list and the roll-up show the hand-counted figures."""

import datetime
import io

import openpyxl
import pytest
import time_machine

from dangjian.dues.choices import DuesCategory as C
from dangjian.dues.models import DuesBase, DuesPayment
from dangjian.dues.services import record_payment, set_base
from dangjian.members.models import Member

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 8, 20, 2, 0, tzinfo=datetime.UTC)
JAN = datetime.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def member(name):
    return Member.objects.select_related("org").get(name=name)


@pytest.fixture
def dues(region):
    """王春生 在职 4321.50 元 (1% → 43.22) paid January–July; 孙白桦 学生 pays nothing (arrears, 7 months)."""
    set_base(member("王春生"), actor=None, category=C.EMPLOYED, base_fen=432150, effective_from=JAN)
    set_base(member("孙白桦"), actor=None, category=C.STUDENT, effective_from=JAN)
    for month in range(1, 8):
        record_payment(member("王春生"), actor=None, month=datetime.date(2026, month, 1),
                       paid_on=datetime.date(2026, month, 9))  # fmt: skip
    return region


def test_a_manager_sees_bases_and_a_reader_only_amounts(dues, county_user, reader, branch_secretary, login):
    for user, sees in ((county_user, True), (reader, False), (branch_secretary, False)):
        body = login(user).get("/dues/?org_code=T-VILLAGE&year=2026").content.decode()
        assert "王春生" in body and "43.22" in body, user
        assert ("4321.50" in body) is sees, user
        assert ("（无权查看）" in body) is not sees, user
        history = login(user).get(f"/dues/members/{member('王春生').pk}/?year=2026").content.decode()
        assert "43.22" in history and ("4321.50" in history) is sees, user


def test_the_api_omits_bases_below_the_managing_role(dues, county_user, reader, login):
    rows = login(county_user).get("/api/dues/?org_code=T-VILLAGE&year=2026").json()["results"]
    wang = next(r for r in rows if r["name"] == "王春生")
    jan = wang["months"][0]
    assert (jan["month"], jan["base"], jan["base_fen"], jan["rate"], jan["due"], jan["paid"]) == (
        "2026-01", "4321.50", 432150, "1%", "43.22", "43.22"
    )  # fmt: skip
    rows = login(reader).get("/api/dues/?org_code=T-VILLAGE&year=2026").json()["results"]
    jan = next(r for r in rows if r["name"] == "王春生")["months"][0]
    assert "base" not in jan and "base_fen" not in jan and jan["due"] == "43.22"
    one = login(reader).get(f"/api/dues/{member('王春生').pk}/").json()
    assert "base" not in one["months"][0] and "4321" not in str(one)


def test_the_export_shows_bases_only_to_a_manager(dues, county_user, reader, login, tmp_path):
    for user, base in ((county_user, "4321.50"), (reader, "（无权查看）")):
        response = login(user).get("/dues/dues.xlsx?org_code=T-VILLAGE&year=2026")
        assert response.status_code == 200
        path = tmp_path / f"{user.username}.xlsx"
        path.write_bytes(b"".join(response.streaming_content) if response.streaming else response.content)
        rows = [list(r) for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True) if any(r)]
        header = next(i for i, r in enumerate(rows) if r[0] == "组织编码")
        lines = [dict(zip(rows[header], r, strict=False)) for r in rows[header + 1 :]]
        jan = next(x for x in lines if x["姓名"] == "王春生" and x["月份"] == "2026-01")
        assert (jan["月缴纳基数（元）"], jan["应缴金额（元）"], jan["状态"]) == (base, "43.22", "已缴")
        assert "4321.50" not in str(lines) or base == "4321.50"


def test_a_branch_secretary_marks_ticked_months_paid(dues, branch_secretary, login):
    set_base(member("李秋实"), actor=None, category=C.RETIRED, base_fen=500001, effective_from=JAN)  # 1% → 50.00
    client = login(branch_secretary)
    li = member("李秋实")
    response = client.post("/dues/pay/", {"pay": [f"{li.pk}:2026-07", f"{li.pk}:2026-08"], "next": "/dues/"})
    assert response.status_code == 302
    assert list(DuesPayment.objects.filter(member=li).values_list("month", "amount_fen", "paid_on")) == [
        (datetime.date(2026, 7, 1), 5000, datetime.date(2026, 8, 20)),
        (datetime.date(2026, 8, 1), 5000, datetime.date(2026, 8, 20)),
    ]


def test_marking_a_member_of_another_county_paid_is_404_and_writes_nothing(dues, branch_secretary, login):
    south = member("欧阳南风")
    response = login(branch_secretary).post("/dues/pay/", {"pay": [f"{south.pk}:2026-07"]})
    assert response.status_code == 404
    assert not DuesPayment.objects.filter(member=south).exists()


def test_a_manager_sets_a_base_and_a_bad_one_is_refused_in_chinese(dues, county_user, branch_secretary, login):
    li = member("李秋实")
    url = f"/dues/members/{li.pk}/"
    bad = login(county_user).post(url, {"action": "base", "category": C.EMPLOYED, "base": "-3000",
                                        "effective_from": "2026-03"})  # fmt: skip
    assert bad.status_code == 400 and "党费基数不能为负数（现为 -3000）" in bad.content.decode()
    bad = login(county_user).post(url, {"action": "base", "category": C.EMPLOYED, "base": "三千",
                                        "effective_from": "2026-03"})  # fmt: skip
    assert bad.status_code == 400 and "党费基数“三千”不是数字" in bad.content.decode()
    assert not DuesBase.objects.filter(member=li).exists()
    ok = login(county_user).post(url, {"action": "base", "category": C.EMPLOYED, "base": "3000.01",
                                       "effective_from": "2026-03"})  # fmt: skip
    assert ok.status_code == 302
    assert DuesBase.objects.get(member=li).base_fen == 300001
    # An editor records payments but may not set (or see) bases.
    refused = login(branch_secretary).post(url, {"action": "base", "category": C.EMPLOYED, "base": "9000",
                                                 "effective_from": "2026-04"})  # fmt: skip
    assert refused.status_code == 404 and DuesBase.objects.filter(member=li).count() == 1


def test_the_arrears_list_flags_and_does_nothing_else(dues, county_user, login):
    body = login(county_user).get("/dues/arrears/?org_code=T-TOWN").content.decode()
    assert "孙白桦" in body and "2026-01 至 2026-07" in body and "王春生" not in body
    assert "系统不作任何自动处理" in body
    assert member("孙白桦").org.code == "T-BIRCH"  # still in its branch, untouched


def test_the_rollup_shows_the_hand_counts(dues, county_user, login):
    body = login(county_user).get("/dues/rollup/?org_code=T-TOWN&year=2026").content.decode()
    assert "青松村党支部" in body and "白桦村党支部" in body
    # 青松村: 7 member-months owed (王春生; the two others have no base), all on time; 白桦村: 7 owed, none paid.
    assert "100.0%" in body and "0.0%" in body and "50.0%" in body  # town: 7 of 14
    assert "302.54" in body  # 7 × 43.22 paid
    assert "中组发〔2008〕3号" in body and "四舍五入" in body


def test_pages_of_another_county_are_404(dues, outsider, login):
    client = login(outsider)
    assert client.get("/dues/?org_code=T-VILLAGE").status_code == 404
    assert client.get(f"/dues/members/{member('王春生').pk}/").status_code == 404
    assert client.get("/dues/rollup/?org_code=T-TOWN").status_code == 404
    assert client.get("/dues/dues.xlsx?org_code=T-TOWN").status_code == 404
    assert client.get(f"/api/dues/{member('王春生').pk}/").status_code == 404
    assert "王春生" not in client.get("/api/dues/").content.decode()


def test_the_import_template_has_the_dues_columns(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "t.xlsx"
    call_command("import", "dues", "--template", str(path), stdout=io.StringIO())
    header = [c.value for c in openpyxl.load_workbook(path).active[2]]
    assert header[:4] == ["*组织编码", "*姓名", "公民身份号码", "*月份"]


def test_a_payment_marked_by_mistake_is_withdrawn_and_audited(dues, branch_secretary, reader, login):
    from dangjian.core.models import AuditLog

    wang = member("王春生")
    payment = DuesPayment.objects.get(member=wang, month=datetime.date(2026, 7, 1))
    url = f"/dues/members/{wang.pk}/?year=2026"
    assert "撤销 2026-07 缴纳记录" not in login(reader).get(url).content.decode()
    assert login(reader).post(url, {"action": "cancel", "payment": payment.pk}).status_code == 404
    assert "撤销 2026-07 缴纳记录" in login(branch_secretary).get(url).content.decode()
    response = login(branch_secretary).post(url, {"action": "cancel", "payment": payment.pk})
    assert response.status_code == 302 and not DuesPayment.objects.filter(pk=payment.pk).exists()
    assert AuditLog.objects.filter(action="delete", detail="撤销党费缴纳：王春生 2026-07").exists()
