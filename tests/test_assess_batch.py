"""The assessment from files: the score sheet template, a filled sheet's results, and every kind of bad input
rejected with its row and column and no output file (`dangjian assess template|run`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from dangjian.assess.batch import BatchError, assess_file, batch_orgs, find_root, read_scheme
from dangjian.assess.batch_xlsx import write_results, write_template
from dangjian.core.models import AuditAction, AuditLog
from dangjian.orgs.choices import Domain, Level, OrgKind

from conftest import make_org

ROOT = Path(__file__).resolve().parent.parent

# Villages: given 50, deduction 20 (2 per time, floor 5), yes/no 10, derived 10, survey 10; bonus ≤3, penalty 3 a time,
# veto. Communities: one given item of 100.
SCHEME = """
year: 2026
name: 测试方案
total: 100
grades: {A: 90, B: 80, C: 60}
weak_floors: {农村: 15%, 社区: 10%}
bonus_cap: 5
penalty_cap: 4
survey_fail_share: 50%
groups:
  - domain: 农村
    categories:
      - name: 工作
        indicators:
          - {code: G, name: 工作成效, points: 50, method: given, problem: service}
          - {code: R, name: 三会一课, points: 20, method: deduction, per: 2, floor: 5, problem: rules}
          - {code: Y, name: 民主评议, points: 10, method: yesno}
          - {code: D, name: 班子配备, points: 10, method: derived, metric: committee_complete}
          - {code: S, name: 群众满意度, points: 10, method: survey}
      - name: 其他
        indicators:
          - {code: B1, name: 表彰, points: 3, method: bonus}
          - {code: P, name: 通报批评, method: penalty, per: 3}
          - {code: V, name: 严重违纪, method: veto}
  - domain: 社区
    categories:
      - name: 工作
        indicators:
          - {code: C, name: 社区治理, points: 100, method: given}
"""

HEADERS = [
    "组织编码",
    "组织名称",
    "党建类型",
    "G 工作成效",
    "R 三会一课",
    "Y 民主评议",
    "D 班子配备",
    "S 群众满意度",
    "B1 表彰",
    "P 通报批评",
    "V 严重违纪",
    "C 社区治理",
    "上年软弱涣散",
]

# A correctly filled sheet for the whole region (see test_a_filled_sheet_gives_the_hand_computed_results).
GOOD = {
    "T-VILLAGE": ["青松村党支部", "农村", "40、42/44", 1, "是", 8, "90%", 2, None, "否", None, None],
    "T-BIRCH": ["白桦村党支部", "农村", 25, 3, "否", None, "20/5/5", None, 1, None, None, "是"],
    "T-COMM": ["松岭社区党支部", "社区", None, None, None, None, None, None, None, None, 70, None],
    "T-SVILLAGE": ["南岭村党支部", "农村", "４５ ", 0, "是", 10, 0.95, None, None, "是", None, None],
}


@pytest.fixture
def scheme_file(tmp_path):
    path = tmp_path / "scheme.yaml"
    path.write_text(SCHEME, encoding="utf-8")
    return path


@pytest.fixture
def community(region):
    return make_org(region.town, "松岭社区党支部", "T-COMM", OrgKind.BRANCH, Level.VILLAGE, Domain.COMMUNITY)


def write_sheet(path: Path, rows: dict[str, list], headers=HEADERS, *, maxima=True) -> Path:
    """A score sheet as a person would fill it: header, optional maxima row, one row per organization."""
    book = Workbook()
    ws = book.active
    ws.append(headers)
    if maxima:
        ws.append(["满分", "", "", "50", "20（填次数，每次扣2分）"])
    for code, cells in rows.items():
        ws.append([code, *cells])
    book.save(path)
    return path


def good_rows(**changes) -> dict[str, list]:
    rows = {code: list(cells) for code, cells in GOOD.items()}
    for code, cells in changes.items():
        if cells is None:
            del rows[code]
        else:
            rows[code] = cells
    return rows


def changed(code: str, column: str, value) -> dict[str, list]:
    rows = good_rows()
    rows[code][HEADERS.index(column) - 1] = value
    return rows


def run_file(scheme_file, sheet, out, **kw):
    """What `assess run` does, through the module: returns the run result after writing `out`."""
    scheme = read_scheme(scheme_file)
    people = batch_orgs(scheme, **kw)
    result = assess_file(scheme, sheet, people, **kw)
    write_results(scheme, result, out, about={})
    return result


def problems_of(scheme_file, sheet, tmp_path, **kw) -> list[str]:
    out = tmp_path / "result.xlsx"
    with pytest.raises(BatchError) as caught:
        run_file(scheme_file, sheet, out, **kw)
    assert not out.exists()
    return caught.value.problems


def result_rows(path: Path) -> dict[str, dict]:
    ws = load_workbook(path, read_only=True)["考核结果"]
    rows = list(ws.iter_rows(values_only=True))
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


# ── The template ─────────────────────────────────────────────────────────────────────────────────────────────


def test_the_template_has_a_row_per_grassroots_organization_with_headers_and_maxima(
    region, community, scheme_file, tmp_path
):
    out = tmp_path / "scores.xlsx"
    scheme = read_scheme(scheme_file)
    write_template(scheme, batch_orgs(scheme), out)
    book = load_workbook(out)
    ws = book["成绩表"]
    rows = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert rows[0] == HEADERS
    # Printed for the scorers: landscape, the columns across one page, the header on every page.
    assert (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.print_title_rows) == ("landscape", 1, "$1:$1")
    assert rows[1][:3] == ["满分", "（本行为各项满分和填法，详见「说明」表）", None]
    assert rows[1][3:] == ["50", "20（填次数，每次扣2分）", "是/否", "10（可留空）", "10（满意率或人数）", "≤3"] + [
        "每次3分",
        "是/否",
        "100",
        "是/否",
    ]
    # Committees (city, county, town) are not assessed; branches in path order, whatever their county.
    assert [row[:3] for row in rows[2:]] == [
        ["T-VILLAGE", "青松村党支部", "农村"],
        ["T-BIRCH", "白桦村党支部", "农村"],
        ["T-COMM", "松岭社区党支部", "社区"],
        ["T-SVILLAGE", "南岭村党支部", "农村"],
    ]
    grey = {
        (r, c)
        for r, row in enumerate(ws.iter_rows(min_row=3), start=3)
        for c, cell in enumerate(row)
        if cell.fill.fgColor.rgb == "00BFBFBF"
    }
    community_row, village_row = 5, 3
    assert (village_row, HEADERS.index("C 社区治理")) in grey
    assert (village_row, HEADERS.index("G 工作成效")) not in grey
    assert (community_row, HEADERS.index("G 工作成效")) in grey
    assert (community_row, HEADERS.index("C 社区治理")) not in grey
    notes = [row[0] for row in book["说明"].iter_rows(values_only=True)]
    assert "G" in notes and "V" in notes


def test_the_template_is_limited_to_the_users_scope_and_the_root(region, community, county_user, scheme_file, tmp_path):
    scheme = read_scheme(scheme_file)
    assert [p.code for p in batch_orgs(scheme, user=county_user)] == ["T-VILLAGE", "T-BIRCH", "T-COMM"]
    assert [p.code for p in batch_orgs(scheme, root=find_root("T-SOUTH"))] == ["T-SVILLAGE"]
    with pytest.raises(BatchError) as caught:
        find_root("T-SOUTH", county_user)  # out of scope reads like missing
    assert caught.value.problems == ["组织编码“T-SOUTH”在组织库中不存在或不在您的数据范围内"]


def test_a_filled_template_runs(region, community, scheme_file, tmp_path):
    """The template as written is read back: the maxima row and grey cells are understood."""
    scheme = read_scheme(scheme_file)
    template = tmp_path / "scores.xlsx"
    write_template(scheme, batch_orgs(scheme), template)
    book = load_workbook(template)
    ws = book["成绩表"]
    for row in ws.iter_rows(min_row=3):
        for offset, value in enumerate(GOOD[row[0].value][2:], start=3):
            row[offset].value = value
    book.save(template)
    result = run_file(scheme_file, template, tmp_path / "result.xlsx")
    assert len(result.results) == 4


# ── Running a filled sheet ───────────────────────────────────────────────────────────────────────────────────


def test_a_filled_sheet_gives_the_hand_computed_results(region, community, scheme_file, tmp_path):
    sheet = write_sheet(tmp_path / "scores.xlsx", good_rows())
    out = tmp_path / "result.xlsx"
    run_file(scheme_file, sheet, out)
    rows = result_rows(out)
    # 青松村: mean(40, 42, 44) = 42 + (20 − 2) + 10 + 8 + 90% × 10 + bonus 2 = 89 → B.
    assert rows["T-VILLAGE"] | {} == {
        "组织编码": "T-VILLAGE",
        "组织名称": "青松村党支部",
        "党建类型": "农村",
        "总分": 89,
        "排名": 2,
        "倒序名次": 2,
        "等次": "B",
        "软弱涣散": "否",
        "列入原因": None,
        "问题类型": None,
        "后果": None,
    }
    # 白桦村: 25 + (20 − 6) + 0 + 0 (derived left blank) + 25/30 × 10 = 47.33, − 3 = 44.33 → D, weak; weak last
    # year too, so its secretary is replaced; 25 of 50 is below 60%: a service problem.
    birch = rows["T-BIRCH"]
    assert (birch["总分"], birch["排名"], birch["倒序名次"], birch["等次"]) == (44.33, 3, 1, "D")
    assert birch["软弱涣散"] == "是"
    assert birch["列入原因"] == "等次为 D（总分低于 C 等次线）"
    assert birch["问题类型"] == "服务群众不积极"
    assert birch["后果"] == "连续两年被列为软弱涣散基层党组织：撤换党组织书记"
    # 南岭村: 45 + 20 + 10 + 10 + 9.5 = 94.5, first of the villages, but the veto makes it D and weak.
    south = rows["T-SVILLAGE"]
    assert (south["总分"], south["排名"], south["等次"], south["软弱涣散"]) == (94.5, 1, "D", "是")
    assert south["列入原因"] == "等次为 D（一票否决：严重违纪）"
    # The only community: C grade, but 10% of 1 rounds up to 1, so it is weak by the floor.
    comm = rows["T-COMM"]
    assert (comm["总分"], comm["排名"], comm["等次"], comm["软弱涣散"]) == (70, 1, "C", "是")
    assert comm["列入原因"] == "倒排进入比例线：社区 1 个 × 10% = 1"
    quotas = list(load_workbook(out, read_only=True)["比例线"].iter_rows(values_only=True))
    assert quotas[0][:6] == ("党建类型", "组织数", "比例", "比例线", "D 等次", "列入软弱涣散")
    assert quotas[1] == ("农村", 3, "15%", 1, 2, 2, "农村 3 个 × 15% = 1")
    assert quotas[2] == ("社区", 1, "10%", 1, 0, 1, "社区 1 个 × 10% = 1")
    assert any(row[:1] == ("结果摘要（SHA-256）",) and len(row[1]) == 64 for row in quotas)


def test_the_detail_sheet_shows_each_items_points(region, community, scheme_file, tmp_path):
    sheet = write_sheet(tmp_path / "scores.xlsx", good_rows())
    out = tmp_path / "result.xlsx"
    run_file(scheme_file, sheet, out)
    rows = list(load_workbook(out, read_only=True)["得分明细"].iter_rows(values_only=True))
    detail = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert detail["T-BIRCH"]["R 三会一课"] == 14
    assert detail["T-BIRCH"]["S 群众满意度"] == 8.33
    assert detail["T-SVILLAGE"]["V 严重违纪"] == "触发"
    assert detail["T-COMM"]["G 工作成效"] is None


def test_the_same_sheet_gives_the_same_digest(region, community, scheme_file, tmp_path):
    sheet = write_sheet(tmp_path / "scores.xlsx", good_rows())
    first = run_file(scheme_file, sheet, tmp_path / "a.xlsx")
    second = run_file(scheme_file, sheet, tmp_path / "b.xlsx")
    assert first.digest == second.digest


def test_a_csv_sheet_with_a_title_row_is_read_too(region, community, scheme_file, tmp_path):
    sheet = tmp_path / "scores.csv"
    lines = ["示范县2026年度考核成绩表", ",".join(HEADERS)]
    for code, cells in good_rows().items():
        lines.append(",".join([code, *("" if c is None else str(c) for c in cells)]))
    sheet.write_text("\n".join(lines), encoding="utf-8-sig")
    result = run_file(scheme_file, sheet, tmp_path / "result.xlsx")
    assert result.by_code()["T-VILLAGE"].total == Decimal("89.00")
    assert result.by_code()["T-SVILLAGE"].total == Decimal("94.50")


# ── Bad input: every problem named, nothing written ─────────────────────────────────────────────────────────


def test_a_score_above_its_maximum_is_rejected(region, community, scheme_file, tmp_path):
    sheet = write_sheet(tmp_path / "s.xlsx", changed("T-BIRCH", "G 工作成效", 55))
    assert problems_of(scheme_file, sheet, tmp_path) == ["第 4 行「G 工作成效」：55 超过满分 50 分"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("G 工作成效", -1, "第 3 行「G 工作成效」：-1 不能为负数"),
        ("G 工作成效", "优", "第 3 行「G 工作成效」：“优”不是数字"),
        ("G 工作成效", "40、60", "第 3 行「G 工作成效」：60 超过满分 50 分"),
        ("G 工作成效", 40.125, "第 3 行「G 工作成效」：40.125 最多保留两位小数"),
        ("G 工作成效", None, "第 3 行「G 工作成效」：未填写（填得分 0～50；多位评分人的分数用“、”或“/”隔开）"),
        ("R 三会一课", 1.5, "第 3 行「R 三会一课」：“1.5”应为次数（不小于 0 的整数）"),
        ("Y 民主评议", "可能", "第 3 行「Y 民主评议」：“可能”应填“是”或“否”"),
        ("S 群众满意度", "120%", "第 3 行「S 群众满意度」：满意率 120% 应在 0 到 100% 之间"),
        ("S 群众满意度", "0/0/0", "第 3 行「S 群众满意度」：“0/0/0”中没有有效问卷"),
        ("B1 表彰", 4, "第 3 行「B1 表彰」：4 超过满分 3 分"),
        ("C 社区治理", 10, "第 3 行「C 社区治理」：该项不适用于农村党组织，应留空"),
        (
            "党建类型",
            "农业",
            "第 3 行「党建类型」：未知的党建类型“农业”，应为 农村、社区、机关、事业单位、国有企业、"
            "非公企业及社会组织 之一",
        ),
        ("党建类型", "社区", "第 3 行「党建类型」：T-VILLAGE 青松村党支部 在组织库中是“农村”，成绩表中填的是“社区”"),
        (
            "组织名称",
            "青山村党支部",
            "第 3 行「组织名称」：“青山村党支部”与组织库中 T-VILLAGE 的名称“青松村党支部”不一致，请核对组织编码",
        ),
        ("上年软弱涣散", "也许", "第 3 行「上年软弱涣散」：“也许”应填“是”或“否”"),
    ],
)
def test_a_bad_cell_is_named_by_row_and_column(region, community, scheme_file, tmp_path, column, value, message):
    sheet = write_sheet(tmp_path / "s.xlsx", changed("T-VILLAGE", column, value))
    assert problems_of(scheme_file, sheet, tmp_path) == [message]


def test_counts_may_carry_their_unit_and_a_missing_file_is_named(region, community, scheme_file, tmp_path):
    sheet = write_sheet(tmp_path / "s.xlsx", changed("T-VILLAGE", "R 三会一课", "１次"))
    result = run_file(scheme_file, sheet, tmp_path / "r.xlsx")
    assert result.by_code()["T-VILLAGE"].total == Decimal("89.00")
    assert problems_of(scheme_file, tmp_path / "none.xlsx", tmp_path) == [f"成绩表“{tmp_path / 'none.xlsx'}”不存在"]


def test_every_problem_is_listed_at_once(region, community, scheme_file, tmp_path):
    rows = changed("T-VILLAGE", "G 工作成效", 99)
    rows["T-BIRCH"][HEADERS.index("Y 民主评议") - 1] = None
    rows["T-COMM"][HEADERS.index("C 社区治理") - 1] = "七十"
    problems = problems_of(scheme_file, write_sheet(tmp_path / "s.xlsx", rows), tmp_path)
    assert len(problems) == 3


def test_an_unknown_and_an_out_of_scope_code_read_the_same(region, community, county_user, scheme_file, tmp_path):
    rows = good_rows(**{"X-NONE": ["某村党支部", "农村", 40, 0, "是", 10, "90%", None, None, None, None, None]})
    sheet = write_sheet(tmp_path / "s.xlsx", rows)
    assert problems_of(scheme_file, sheet, tmp_path) == [
        "第 7 行：组织编码“X-NONE”在组织库中不存在或不在您的数据范围内"
    ]
    # For the county user, 南岭村 (row 6) lies outside the scope: the same words, nothing about it revealed.
    problems = problems_of(scheme_file, sheet, tmp_path, user=county_user)
    assert problems == [
        "第 6 行：组织编码“T-SVILLAGE”在组织库中不存在或不在您的数据范围内",
        "第 7 行：组织编码“X-NONE”在组织库中不存在或不在您的数据范围内",
    ]


def test_an_organization_that_does_not_take_part_says_why(region, community, scheme_file, tmp_path):
    rows = good_rows(**{"T-TOWN": ["松岭镇党委", "", None, None, None, None, None, None, None, None, None, None]})
    sheet = write_sheet(tmp_path / "s.xlsx", rows)
    assert problems_of(scheme_file, sheet, tmp_path) == [
        "第 7 行：“松岭镇党委”（T-TOWN）是乡镇党委，不参加基层党组织考核"
    ]
    root = find_root("T-NORTH")
    problems = problems_of(scheme_file, write_sheet(tmp_path / "s.xlsx", good_rows()), tmp_path, root=root)
    assert problems == ["第 6 行：“南岭村党支部”（T-SVILLAGE）不在 漠北县委 之下"]


def test_duplicate_and_missing_organizations_are_rejected(region, community, scheme_file, tmp_path):
    rows = good_rows(**{"T-BIRCH": None})
    book = write_sheet(tmp_path / "s.xlsx", rows)
    assert problems_of(scheme_file, book, tmp_path) == [
        "成绩表缺少参加考核的组织：T-BIRCH 白桦村党支部（共 1 个；每个组织都应有一行，否则比例线无从计算）"
    ]
    wb = load_workbook(book)
    wb.active.append(["T-VILLAGE", *GOOD["T-VILLAGE"]])
    wb.active.append(["T-BIRCH", *GOOD["T-BIRCH"]])
    wb.save(book)
    assert problems_of(scheme_file, book, tmp_path) == ["第 6 行：组织编码 T-VILLAGE 与第 3 行重复"]


def test_a_sheet_without_the_code_column_or_a_required_item_column_is_rejected(
    region, community, scheme_file, tmp_path
):
    no_code = write_sheet(tmp_path / "a.xlsx", {}, headers=["编码", *HEADERS[1:]])
    assert problems_of(scheme_file, no_code, tmp_path) == [
        "未找到「组织编码」列：前 10 行中没有表头为「组织编码」的单元格"
    ]
    headers = [h if h != "Y 民主评议" else "备注" for h in HEADERS]
    problems = problems_of(scheme_file, write_sheet(tmp_path / "b.xlsx", good_rows(), headers=headers), tmp_path)
    assert problems == ["缺少指标列「Y 民主评议」（填“是”（得 10 分）或“否”（0 分））"]


def test_columns_are_found_by_code_in_any_order_and_optional_ones_may_go(region, community, scheme_file, tmp_path):
    order = [0, 3, 1, 2, 4, 5, 7, 8, 10, 11]  # no derived, no penalty, no "last year" column; G moved forward
    headers = [HEADERS[i].replace(" ", "") if i == 3 else HEADERS[i] for i in order]
    rows = {code: [[code, *cells][i] for i in order][1:] for code, cells in good_rows().items()}
    result = run_file(scheme_file, write_sheet(tmp_path / "s.xlsx", rows, headers=headers), tmp_path / "r.xlsx")
    village = result.by_code()["T-VILLAGE"]
    assert village.total == Decimal("81.00")  # 89 without the 8 derived points


def test_an_unusable_output_path_writes_nothing(region, community, scheme_file, tmp_path):
    scheme = read_scheme(scheme_file)
    with pytest.raises(BatchError, match="应以 .xlsx 结尾"):
        write_template(scheme, batch_orgs(scheme), tmp_path / "scores.csv")
    with pytest.raises(BatchError, match="不存在"):
        write_template(scheme, batch_orgs(scheme), tmp_path / "no" / "scores.xlsx")
    assert list(tmp_path.iterdir()) == [scheme_file]


def test_a_failed_write_leaves_no_partial_file(region, community, scheme_file, tmp_path, monkeypatch):
    from openpyxl.workbook import workbook

    save = workbook.Workbook.save

    def broken(self, filename):
        save(self, filename)  # the temporary file is complete, then the disk fills up (say, on closing it)
        raise OSError("disk full")

    monkeypatch.setattr(workbook.Workbook, "save", broken)
    scheme = read_scheme(scheme_file)
    with pytest.raises(OSError):
        write_template(scheme, batch_orgs(scheme), tmp_path / "scores.xlsx")
    assert list(tmp_path.iterdir()) == [scheme_file]


# ── The command ──────────────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture
def keep_connections(monkeypatch):
    """`execute_from_command_line` closes every connection when the command ends, as a process would; closing the
    connection that holds the test's transaction marks it for rollback on PostgreSQL (SQLite's in-memory test
    database ignores the close), so the next command in the same test could not query."""
    import django.db

    monkeypatch.setattr(django.db.connections, "close_all", lambda: None)


def test_the_command_writes_the_template_and_the_results(
    region, community, scheme_file, tmp_path, capsys, keep_connections
):
    template = tmp_path / "scores.xlsx"
    execute_from_command_line(["dangjian", "assess", "template", "--scheme", str(scheme_file), "--out", str(template)])
    assert "4 个组织" in capsys.readouterr().out
    assert template.exists()
    sheet = write_sheet(tmp_path / "filled.xlsx", good_rows())
    out = tmp_path / "result.xlsx"
    argv = ["dangjian", "assess", "run", "--scheme", str(scheme_file), "--scores", str(sheet), "--out", str(out)]
    execute_from_command_line(argv)  # no SystemExit: exit code 0
    printed = capsys.readouterr().out
    assert "软弱涣散 3 个（农村 3 个 × 15% = 1；社区 1 个 × 10% = 1）" in printed
    assert result_rows(out)["T-BIRCH"]["等次"] == "D"
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, detail__startswith="考核结果").exists()


def test_the_command_exits_with_1_and_writes_nothing_on_bad_input(
    region, community, scheme_file, tmp_path, capsys, keep_connections
):
    sheet = write_sheet(tmp_path / "filled.xlsx", changed("T-BIRCH", "G 工作成效", 55))
    out = tmp_path / "result.xlsx"
    argv = ["dangjian", "assess", "run", "--scheme", str(scheme_file), "--scores", str(sheet), "--out", str(out)]
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(argv)
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "第 4 行「G 工作成效」：55 超过满分 50 分" in err
    assert "共 1 处问题，未写出文件。" in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["filled.xlsx", "scheme.yaml"]


def test_the_command_runs_within_the_scope_of_as(region, community, county_user, scheme_file, tmp_path, capsys):
    template = tmp_path / "scores.xlsx"
    call_command("assess", "template", "--scheme", str(scheme_file), "--out", str(template), "--as", "county_user")
    codes = [row[0] for row in load_workbook(template).active.iter_rows(min_row=3, values_only=True)]
    assert codes == ["T-VILLAGE", "T-BIRCH", "T-COMM"]
    sheet = write_sheet(tmp_path / "filled.xlsx", good_rows(**{"T-SVILLAGE": None}))
    out = tmp_path / "result.xlsx"
    call_command(
        "assess", "run", "--scheme", str(scheme_file), "--scores", str(sheet), "--out", str(out), "--as", "county_user"
    )
    assert sorted(result_rows(out)) == ["T-BIRCH", "T-COMM", "T-VILLAGE"]
    with pytest.raises(CommandError, match="共 1 处问题"):
        call_command(
            "assess",
            "template",
            "--scheme",
            str(scheme_file),
            "--out",
            str(template),
            "--as",
            "county_user",
            "--root",
            "T-SOUTH",
        )
    assert "不存在或不在您的数据范围内" in capsys.readouterr().err


def test_the_command_rejects_a_bad_scheme_and_an_unknown_user(region, scheme_file, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2026\ngroups: []\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("assess", "template", "--scheme", str(bad), "--out", str(tmp_path / "t.xlsx"))
    assert "方案文件“bad.yaml”：方案没有分组 groups" in capsys.readouterr().err
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        call_command(
            "assess", "template", "--scheme", str(scheme_file), "--out", str(tmp_path / "t.xlsx"), "--as", "nobody"
        )
    assert not (tmp_path / "t.xlsx").exists()


# ── The example scheme on a region of 40 villages ────────────────────────────────────────────────────────────


def test_the_example_scheme_marks_15_percent_of_40_villages_as_weak(db, tmp_path):
    county = make_org(None, "示范县委", "EX-COUNTY", OrgKind.COUNTY_COMMITTEE, Level.COUNTY)
    town = make_org(county, "示范镇党委", "EX-TOWN", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    for i in range(40):
        make_org(town, f"第{i + 1:02d}村党支部", f"EX-V{i:02d}", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    scheme_path = ROOT / "examples" / "scheme-county.yaml"
    scheme = read_scheme(scheme_path)
    template = tmp_path / "scores.xlsx"
    write_template(scheme, batch_orgs(scheme), template)
    book = load_workbook(template)
    ws = book["成绩表"]
    headers = [cell.value for cell in ws[1]]
    full = {"given": None, "derived": None, "deduction": 0, "yesno": "是", "survey": "100%", "veto": "否"}
    by_header = {f"{i.code} {i.name}": i for g in scheme.groups for i in g.indicators}
    for row in ws.iter_rows(min_row=3):
        number = int(row[0].value[-2:])
        for cell, header in zip(row, headers, strict=True):
            ind = by_header.get(header)
            if ind is None or cell.fill.fgColor.rgb == "00BFBFBF" or ind.method.value in ("bonus", "penalty"):
                continue
            value = full[ind.method.value]
            if ind.method.value in ("given", "derived"):
                value = float(ind.max_cents // 100)
            if ind.code == "V01":  # 村级集体经济发展 (8 points): 0.2 × the village's number, distinct totals
                value = round(number * 0.2, 1)
            cell.value = value
    book.save(template)
    result = run_file(scheme_path, template, tmp_path / "result.xlsx")
    village = next(q for q in result.quotas if q.domain == "village")
    assert village.text == "农村 40 个 × 15% = 6"
    assert village.weak == 6 and village.grade_d == 0
    weak = sorted(r.org.code for r in result.results if r.weak)
    assert weak == [f"EX-V{i:02d}" for i in range(6)]
    assert result.by_code()["EX-V39"].total == Decimal("99.80")


def test_columns_derived_from_party_records_are_greyed_and_say_so(region, tmp_path):
    """The county scheme's L01–L03 and M01 come from the meeting and development records: the score sheet shades
    them, its maxima row and notes say they come from the records, while a register metric (M02) stays plain."""
    scheme_path = ROOT / "examples" / "scheme-county.yaml"
    scheme = read_scheme(scheme_path)
    out = tmp_path / "scores.xlsx"
    write_template(scheme, batch_orgs(scheme), out)
    book = load_workbook(out)
    ws = book["成绩表"]
    header = [cell.value for cell in ws[1]]
    hints = [cell.value for cell in ws[2]]
    village = list(ws[3])
    for code in ("L01 “三会一课”落实", "L02 主题党日活动", "L03 组织生活会和民主评议党员", "M01 发展党员"):
        column = header.index(code)
        assert hints[column].endswith("，来自系统记录"), code
        assert village[column].fill.fgColor.rgb == "00E7E6E6", code
    plain = header.index("M02 党员信息完整")
    assert "来自系统记录" not in hints[plain] and village[plain].fill.fgColor.rgb != "00E7E6E6"
    notes = [row for row in book["说明"].iter_rows(values_only=True)]
    assert any(row[0] and "由系统中的组织生活和发展党员记录计算" in row[0] for row in notes)
    l01 = next(row for row in notes if row[0] == "L01")
    assert l01[5].startswith("来自系统记录（支部党员大会、支委会、党小组会、党课：")
