"""Importing organizations: upsert by code, tree rules, scope (MANAGE on the parent, CHANGE on an existing one)."""

from __future__ import annotations

from dangjian.core.models import AuditAction, AuditLog
from dangjian.orgs.models import Organization
from dangjian.sheets.imports import run_import
from sheets_files import write_csv, write_xlsx

HEADERS = [
    "组织名称",
    "组织编码",
    "上级组织编码",
    "组织类别",
    "党建类型",
    "层级",
    "成立日期",
    "核定委员职数",
    "设有纪委",
]


def _row(name="新村党支部", code="N-1", parent="T-TOWN", kind="党支部", domain="农村", level="村（社区）", **extra):
    row = [name, code, parent, kind, domain, level, extra.get("established", ""), extra.get("seats", ""), ""]
    return row


def test_it_creates_a_tree_in_file_order_with_parents_made_a_few_rows_above(region, tmp_path):
    rows = [
        HEADERS,
        ["新镇党委", "N-TOWN", "T-NORTH", "乡镇党委", "", "乡镇（街道）", "2016年11月16日", "５", "否"],
        ["新镇甲村党支部", "N-A", "N-TOWN", "党支部", "农村", "村（社区）", "2016/11/16", "3", ""],
        ["新镇乙村党支部", "N-B", "N-TOWN", "党支部", "village", "村（社区）", "", "", "是"],
    ]
    report = run_import("orgs", write_xlsx(tmp_path / "o.xlsx", rows, title="党组织信息"), None)
    assert report.ok, report.errors
    assert report.created == 3
    town = Organization.objects.get(code="N-TOWN")
    assert (town.parent, town.committee_seats, town.established.isoformat()) == (region.north, 5, "2016-11-16")
    a = Organization.objects.get(code="N-A")
    assert a.parent == town and a.path.startswith(town.path) and a.term_years == 5
    assert Organization.objects.get(code="N-B").has_discipline_committee is True
    assert AuditLog.objects.filter(action=AuditAction.CREATE, object_type="organization").count() >= 3


def test_importing_the_same_orgs_twice_changes_nothing(region, tmp_path):
    path = write_csv(tmp_path / "o.csv", [HEADERS, _row(), _row(name="青松村党支部", code="T-VILLAGE")])
    first = run_import("orgs", path, None)
    assert (first.created, first.updated, first.unchanged) == (1, 0, 1)
    logs = AuditLog.objects.count()
    second = run_import("orgs", path, None)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert AuditLog.objects.count() == logs + 1


def test_it_updates_an_existing_org_by_code(region, tmp_path, county_user):
    path = write_csv(tmp_path / "o.csv", [HEADERS, _row(name="青松村党支部（新）", code="T-VILLAGE", seats="5")])
    report = run_import("orgs", path, county_user)
    assert (report.created, report.updated) == (0, 1), report.errors
    region.village.refresh_from_db()
    assert (region.village.name, region.village.committee_seats) == ("青松村党支部（新）", 5)


def test_the_kind_must_fit_the_parent(region, tmp_path):
    path = write_csv(tmp_path / "o.csv", [HEADERS, _row(parent="T-VILLAGE", kind="乡镇党委", level="乡镇（街道）")])
    [error] = run_import("orgs", path, None).errors
    assert error.message == "第 2 行「上级组织编码」：“党支部”下不能设立“乡镇党委”"


def test_it_refuses_to_make_a_cycle(region, tmp_path):
    path = write_csv(
        tmp_path / "o.csv", [HEADERS, _row(name="松岭镇党委", code="T-TOWN", parent="T-VILLAGE", kind="乡镇党委")]
    )
    [error] = run_import("orgs", path, None).errors
    assert "会形成循环" in error.message and error.message.startswith("第 2 行「上级组织编码」")
    region.town.refresh_from_db()
    assert region.town.parent == region.north


def test_out_of_scope_parent_reads_like_a_missing_one(region, tmp_path, county_user):
    path = write_csv(tmp_path / "o.csv", [HEADERS, _row(parent="T-SOUTH"), _row(code="N-2", parent="NO-SUCH")])
    report = run_import("orgs", path, county_user)
    assert [e.message for e in report.errors] == [
        "第 2 行「上级组织编码」：组织编码“T-SOUTH”不存在或不在您的管理范围内",
        "第 3 行「上级组织编码」：组织编码“NO-SUCH”不存在或不在您的管理范围内",
    ]
    assert not Organization.objects.filter(code__startswith="N-").exists()


def test_creating_needs_manage_rights_on_the_parent(region, tmp_path, town_user):
    """An editor of the town may change its organizations but not create new ones under it."""
    path = write_csv(tmp_path / "o.csv", [HEADERS, _row()])
    [error] = run_import("orgs", path, town_user).errors
    assert error.message == "第 2 行「上级组织编码」：组织编码“T-TOWN”不存在或不在您的管理范围内"


def test_an_out_of_scope_existing_code_is_not_changed(region, tmp_path, county_user):
    path = write_csv(tmp_path / "o.csv", [HEADERS, _row(name="改名", code="T-SVILLAGE", parent="")])
    [error] = run_import("orgs", path, county_user).errors
    assert error.message == "第 2 行「组织编码」：组织编码“T-SVILLAGE”已被使用或不在您的管理范围内"
    region.south_village.refresh_from_db()
    assert region.south_village.name == "南岭村党支部"


def test_a_scoped_user_must_name_a_parent(region, tmp_path, county_user):
    path = write_csv(tmp_path / "o.csv", [HEADERS, _row(parent="")])
    [error] = run_import("orgs", path, county_user).errors
    assert error.message == "第 2 行「上级组织编码」：新建组织必须填写上级组织编码"


def test_bad_values_and_duplicates_are_rejected_and_nothing_is_written(region, tmp_path):
    rows = [
        HEADERS,
        _row(),
        _row(code="N-1"),
        _row(code="N-3", kind="大队"),
        _row(code="N-4", seats="-1"),
        _row(code="", name=""),
    ]
    report = run_import("orgs", write_csv(tmp_path / "o.csv", rows), None)
    messages = [e.message for e in report.errors]
    assert "第 3 行「组织编码」：与第 2 行的组织编码重复" in messages
    assert any(m.startswith("第 4 行「组织类别」：“大队”不是可选的值") for m in messages)
    assert "第 5 行「核定委员职数」：“-1”应为不小于 0 的整数" in messages
    assert "第 6 行「组织名称」：必填，不能为空" in messages and "第 6 行「组织编码」：必填，不能为空" in messages
    assert not Organization.objects.filter(code="N-1").exists()


def test_a_dry_run_of_orgs_writes_nothing(region, tmp_path):
    path = write_csv(tmp_path / "o.csv", [HEADERS, _row(), _row(code="N-2", parent="N-1", kind="党小组", domain="")])
    report = run_import("orgs", path, None, dry_run=True)
    assert report.ok, report.errors
    assert report.created == 2
    assert not Organization.objects.filter(code__in=["N-1", "N-2"]).exists()
