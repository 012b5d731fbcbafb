"""Dues records as a branch keeps them, with hand-computed expectations: a base changed mid-year, reductions and
exemptions approved by the level above, arrears flagged at exactly six months and not at five, roll-ups equal to
hand counts, the assessment's metric, and the import all or nothing with Chinese messages."""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from dangjian.assess.metrics import METRICS
from dangjian.core.models import AuditLog
from dangjian.dues.choices import DuesCategory as C
from dangjian.dues.choices import MonthStatus as S
from dangjian.dues.choices import ReliefKind
from dangjian.dues.ledger import Ledger
from dangjian.dues.metrics import dues_detail, dues_on_time
from dangjian.dues.models import DuesBase, DuesPayment, DuesRelief
from dangjian.dues.rollup import rollup
from dangjian.dues.services import record_payment, record_relief, set_base
from dangjian.members.models import Member
from sheets_files import write_xlsx

from conftest import persona

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 8, 20, 2, 0, tzinfo=datetime.UTC)  # 10:00 in Beijing; January–July have ended
TODAY, TOMORROW = datetime.date(2026, 8, 20), datetime.date(2026, 8, 21)
JAN, DEC = datetime.date(2026, 1, 1), datetime.date(2026, 12, 1)


def m(month: int) -> datetime.date:
    return datetime.date(2026, month, 1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def member(name):
    return Member.objects.select_related("org").get(name=name)


def pay(name, month, day=10, paid_month=None, amount=None):
    return record_payment(
        member(name),
        actor=None,
        month=m(month),
        amount_fen=amount,
        paid_on=datetime.date(2026, paid_month or month, day),
    )


def book(name, asof=TODAY):
    person = member(name)
    return Ledger([person], JAN, DEC, asof).of(person)


def test_a_base_changed_mid_year_applies_from_its_month(region):
    wang = member("王春生")
    set_base(wang, actor=None, category=C.EMPLOYED, base_fen=400000, effective_from=JAN)  # 1% → 40.00
    set_base(wang, actor=None, category=C.EMPLOYED, base_fen=600000, effective_from=m(5))  # 1.5% → 90.00
    cells = book("王春生").cells
    assert [c.due_fen for c in cells] == [4000] * 4 + [9000] * 4 + [None] * 4
    assert [c.status for c in cells[6:9]] == [S.UNPAID, S.OPEN, S.NOT_DUE]  # July over, August running
    assert cells[4].rate_text == "1.5%" and cells[3].rate_text == "1%"
    assert book("王春生").totals().due_fen == 4 * 4000 + 3 * 9000
    # The same month again corrects it, audited as a change.
    set_base(wang, actor=None, category=C.EMPLOYED, base_fen=500000, effective_from=m(5))
    assert DuesBase.objects.filter(member=wang).count() == 2
    assert book("王春生").cells[4].due_fen == 5000
    assert AuditLog.objects.filter(object_type__contains="duesbase", action="update").count() == 1


def test_payments_on_time_late_and_the_amount_due_by_default(region):
    set_base(member("王春生"), actor=None, category=C.RETIRED, base_fen=520000, effective_from=JAN)  # 1% → 52.00
    pay("王春生", 1)
    pay("王春生", 2, day=3, paid_month=3)  # back-payment
    cells = book("王春生").cells
    assert [(c.status, c.paid_fen) for c in cells[:3]] == [(S.PAID, 5200), (S.LATE, 5200), (S.UNPAID, None)]
    assert book("王春生").totals().on_time_months == 1


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"month": m(9)}, "month", "所属月份 2026-09 晚于本月（2026-08），不能登记尚未到来的月份。"),
        (
            {"month": m(3), "paid_on": datetime.date(2026, 8, 21)},
            "paid_on",
            "缴纳日期 2026-08-21 晚于今天（2026-08-20）。",
        ),
        ({"month": m(3)}, "amount", "李秋实 2026-03 尚未核定党费基数，请先登记基数或填写实缴金额。"),
    ],
)
def test_a_bad_payment_is_refused_in_chinese(region, values, field, message):
    with pytest.raises(ValidationError) as exc:
        record_payment(member("李秋实"), actor=None, **values)
    assert exc.value.message_dict[field] == [message]
    assert not DuesPayment.objects.exists()


def test_a_negative_or_missing_base_is_refused(region):
    with pytest.raises(ValidationError) as exc:
        set_base(member("李秋实"), actor=None, category=C.EMPLOYED, base_fen=-1, effective_from=JAN)
    assert exc.value.message_dict["base"] == ["党费基数不能为负数。"]
    with pytest.raises(ValidationError) as exc:
        set_base(member("李秋实"), actor=None, category=C.RETIRED, base_fen=None, effective_from=m(9))
    assert exc.value.message_dict == {
        "base": ["离退休党员须填写月缴纳基数（基本离退休费）。"],
        "effective_from": ["起算月份 2026-09 晚于本月（2026-08），不能登记尚未到来的月份。"],
    }
    assert not DuesBase.objects.exists()


def test_reductions_and_exemptions_approved_above_change_the_due_and_are_not_arrears(region):
    zhao = member("赵冬梅")
    set_base(zhao, actor=None, category=C.EMPLOYED, base_fen=800000, effective_from=JAN)  # 1.5% → 120.00
    common = {"actor": None, "approved_by": region.town, "approver": "镇党委书记", "approved_on": m(2)}
    record_relief(zhao, kind=ReliefKind.REDUCE, start=m(3), end=m(4), monthly_fen=1000, reason="因病", **common)
    record_relief(zhao, kind=ReliefKind.EXEMPT, start=m(2), end=m(7), reason="家庭困难", **common)
    cells = book("赵冬梅").cells
    assert [c.due_fen for c in cells[:7]] == [12000, 0, 0, 0, 0, 0, 0]  # the exemption covers the reduction too
    assert [c.status for c in cells[:7]] == [S.UNPAID] + [S.EXEMPT] * 6
    assert book("赵冬梅").arrears() is None
    relief = DuesRelief.objects.get(kind=ReliefKind.REDUCE)
    assert (relief.approved_by, relief.approver, relief.approved_on) == (region.town, "镇党委书记", m(2))


def test_a_reduction_lowers_the_months_due(region):
    zhao = member("赵冬梅")
    set_base(zhao, actor=None, category=C.EMPLOYED, base_fen=800000, effective_from=JAN)
    record_relief(zhao, actor=None, kind=ReliefKind.REDUCE, start=m(3), end=m(4), monthly_fen=1000,
                  reason="因病", approved_by=region.north, approver="县委组织部", approved_on=m(2))  # fmt: skip
    assert [c.due_fen for c in book("赵冬梅").cells[:5]] == [12000, 12000, 1000, 1000, 12000]


@pytest.mark.parametrize("approver", ["village", "south"])
def test_a_relief_must_be_approved_by_an_organization_above(region, approver):
    with pytest.raises(ValidationError) as exc:
        record_relief(member("赵冬梅"), actor=None, kind=ReliefKind.EXEMPT, start=m(2), end=m(3), reason="困难",
                      approved_by=getattr(region, approver), approver="某人", approved_on=m(2))  # fmt: skip
    assert exc.value.message_dict["approved_by"] == [
        "党费减免须经上一级党组织批准：审批组织须是青松村党支部的上级党组织。"
    ]


def test_arrears_are_flagged_at_exactly_six_months_and_not_at_five(region):
    for name in ("王春生", "李秋实", "赵冬梅"):
        set_base(member(name), actor=None, category=C.EMPLOYED, base_fen=300000, effective_from=JAN)  # 15.00
    pay("王春生", 1)  # February–July unpaid: six
    pay("李秋实", 1)
    pay("李秋实", 2)  # March–July unpaid: five
    six, five = book("王春生").arrears(), book("李秋实").arrears()
    assert (six.first, six.last, six.months, six.owed_fen) == (m(2), m(7), 6, 6 * 1500)
    assert six.text == "2026-02 至 2026-07 连续 6 个月未缴"
    assert five is None
    # A back-payment breaks the run: nothing is done to the member, the flag simply goes.
    pay("王春生", 4, paid_month=8, day=1)
    assert book("王春生").arrears() is None
    # A month still running is not overdue: 赵冬梅 has paid nothing, January–July (seven) ended.
    assert book("赵冬梅").arrears().months == 7


def test_months_before_joining_and_without_a_base_are_not_arrears(region):
    li = member("李秋实")
    Member.objects.filter(pk=li.pk).update(join_date=datetime.date(2026, 3, 15))
    set_base(member("李秋实"), actor=None, category=C.EMPLOYED, base_fen=300000, effective_from=JAN)
    cells = book("李秋实").cells
    assert [c.status for c in cells[:3]] == [S.NOT_DUE, S.NOT_DUE, S.UNPAID]  # pays from the month admitted
    assert book("李秋实").arrears() is None  # March–July: five
    assert [c.status for c in book("赵冬梅").cells[:7]] == [S.NO_BASE] * 7 and book("赵冬梅").arrears() is None


@pytest.fixture
def collected(region):
    """王春生 (在职 4000: 40.00) pays January–July on time; 李秋实 (离退休 6000: 60.00) too, but July late;
    赵冬梅 has no base; 孙白桦 of 白桦村 (学生: 0.20) pays nothing."""
    set_base(member("王春生"), actor=None, category=C.EMPLOYED, base_fen=400000, effective_from=JAN)
    set_base(member("李秋实"), actor=None, category=C.RETIRED, base_fen=600000, effective_from=JAN)
    set_base(member("孙白桦"), actor=None, category=C.STUDENT, effective_from=JAN)
    for month in range(1, 8):
        pay("王春生", month)
        pay("李秋实", month, paid_month=8 if month == 7 else month, day=5)
    return region


def test_rollups_equal_hand_counts(collected):
    region = collected
    result = rollup(region.town, Member.objects.in_subtree(region.town).select_related("org"), 2026, TODAY)
    total = result["total"]
    assert (total.due_months, total.paid_months, total.on_time_months, total.unpaid_months) == (21, 14, 13, 7)
    assert (total.due_fen, total.paid_fen, total.no_base_months) == (7 * 4000 + 7 * 6000 + 7 * 20, 70000, 7)
    assert (result["members"], result["arrears"]) == (4, 1)
    rows = {row["org"].code: row for row in result["children"]}
    village, birch = rows["T-VILLAGE"], rows["T-BIRCH"]
    assert (village["members"], village["totals"].due_months, village["totals"].on_time_months) == (3, 14, 13)
    assert (village["arrears"], birch["arrears"], birch["totals"].paid_fen) == (0, 1, 0)
    months = dict(result["months"])
    july, august = months[m(7)], months[m(8)]
    assert (july.due_months, july.paid_months, july.on_time_months, july.unpaid_months) == (3, 2, 1, 1)
    assert (august.due_months, august.paid_months) == (0, 0)  # July's late payment counts for July


def test_the_metric_is_the_share_of_member_months_paid_on_time(collected):
    region = collected
    people = [SimpleNamespace(id=i, path=o.path) for i, o in enumerate((region.town, region.village, region.birch))]
    cutoff = datetime.date(2026, 7, 31)
    assert dues_on_time(people, cutoff, 2026) == {0: Decimal(13) / 21, 1: Decimal(13) / 14, 2: Decimal(0)}
    # As of June's end: July is not owed yet, and the late July payment dated in August does not exist yet.
    assert dues_on_time(people, datetime.date(2026, 6, 30), 2026)[1] == Decimal(1)
    assert METRICS["dues_on_time"].compute is dues_on_time
    lines = dues_detail(people[1], cutoff, 2026)
    assert lines[0].startswith("2026 年截至 2026-07-31：应缴 14 人月，当月按时缴纳 13 人月，补缴 0 人月，未缴 1 人月")
    assert "未核定基数 7 人月，不计入" in lines
    assert "未按时缴纳：李秋实（7月）" in lines


def test_a_payment_after_the_cutoff_is_not_there_as_of_the_cutoff(collected):
    pay("孙白桦", 1, paid_month=8, day=1)
    assert book("孙白桦", asof=datetime.date(2026, 7, 31)).cells[0].status == S.UNPAID
    assert book("孙白桦").cells[0].status == S.LATE


HEADERS = [
    "组织编码",
    "姓名",
    "公民身份号码",
    "月份",
    "缴纳类别",
    "月缴纳基数（元）",
    "实缴金额（元）",
    "缴纳日期",
    "说明",
]


def run(tmp_path, rows, *extra):
    path = write_xlsx(tmp_path / "dues.xlsx", [HEADERS, *rows], title="党费导入表")
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "dues", str(path), *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dangjian_import_dues_writes_bases_and_payments(region, tmp_path):
    rows = [
        ["T-VILLAGE", "王春生", "", "2026-01", "在职", "4200", "", "", "年度核定"],
        ["T-VILLAGE", "王春生", "", "2026-01", "", "", "42", "2026-01-15", ""],
        ["T-VILLAGE", "李秋实", "", "2026年2月", "农民", "0.5", "0.5", "2026-02-10", ""],
        ["T-BIRCH", "孙白桦", "", "2026-03", "学生", "", "", "2026-03-01", ""],
    ]
    out, _ = run(tmp_path, rows)
    assert "共 4 行" in out
    assert DuesBase.objects.get(member__name="王春生").base_fen == 420000
    assert DuesBase.objects.get(member__name="李秋实").fixed_fen == 50
    assert list(DuesPayment.objects.order_by("member__name").values_list("member__name", "amount_fen")) == [
        ("孙白桦", 20), ("李秋实", 50), ("王春生", 4200)
    ]  # fmt: skip


def test_an_import_with_bad_rows_writes_nothing_and_names_each_cell(region, tmp_path):
    clerk = persona("county_clerk", region.north, "manage")
    rows = [
        ["T-VILLAGE", "王春生", "", "2026-01", "在职", "4200", "42", "2026-01-15", ""],
        ["T-VILLAGE", "李秋实", "", "2026-01", "在职", "-3000", "", "", ""],
        ["T-VILLAGE", "赵冬梅", "", "2026-01", "在职", "三千", "", "", ""],
        ["T-VILLAGE", "孙白桦", "", "2026-01", "学生", "", "0.2", "", ""],
        ["T-VILLAGE", "王春生", "", "2026-09", "", "", "42", "", ""],
        ["T-SVILLAGE", "欧阳南风", "", "2026-01", "", "", "1", "", ""],
        ["T-VILLAGE", "王春生", "", "三月", "", "", "42", "", ""],
    ]
    audit = AuditLog.objects.count()
    errors = tmp_path / "errors.xlsx"
    with pytest.raises(CommandError, match="全部未写入"):
        run(tmp_path, rows, "--as", clerk.username, "--errors", str(errors))
    text = "\n".join(c.value or "" for row in openpyxl.load_workbook(errors).active.iter_rows() for c in row
                     if isinstance(c.value, str))  # fmt: skip
    assert "第 4 行「月缴纳基数（元）」：党费基数不能为负数（现为 -3000）" in text
    assert "第 5 行「月缴纳基数（元）」：党费基数“三千”不是数字" in text
    assert "第 6 行「姓名」：孙白桦 不是青松村党支部的党员（须与党员名册一致）" in text
    assert "第 7 行「月份」：月份 2026-09 晚于本月（2026-08），不能登记尚未到来的月份" in text
    assert "第 8 行「组织编码」：组织编码“T-SVILLAGE”不存在或不在您的管理范围内" in text
    assert "第 9 行「月份」：“三月”不是月份，请写成 2026-03" in text
    assert not DuesBase.objects.exists() and not DuesPayment.objects.exists()
    assert AuditLog.objects.count() == audit


def test_bases_are_imported_only_by_a_manager(region, tmp_path):
    editor = persona("village_editor", region.village, "edit")
    with pytest.raises(CommandError):
        run(tmp_path, [["T-VILLAGE", "王春生", "", "2026-01", "在职", "4200", "", "", ""]], "--as", editor.username)
    assert not DuesBase.objects.exists()
    run(tmp_path, [["T-VILLAGE", "王春生", "", "2026-01", "", "", "42", "", ""]], "--as", editor.username)
    assert DuesPayment.objects.get().amount_fen == 4200
