"""The quarterly bulletin (每季一通报): figures derived from the records as the quarter ended, the Word document that
LibreOffice opens, the workbook's numbers, the pages within scope, and the case export.

The story (hand-computed figures below), in 漠北县 with a second town 河西镇:
  2025        青松村 had a case, closed in September 2025 (not part of 2026's work)
  2026-06-10  cases 青松村 (软, measures A1 due 09-30, A2 due 11-30, 30,000 yuan on 06-15)
              and 白桦村 (穷, measure B1 due 08-31, 50,000 yuan on 07-01); 南岭村's case in the other county
  2026-08-20  B1 done, ledger entry          2026-09-25  A1 done, ledger entry
  2026-10-08  case 河西村 (乱, C1 due 10-31, C2 due 2027-01-31, 20,000.50 yuan on 10-10)
  2026-10-15  白桦村 checked by the town      2026-10-20  白桦村 closed (销号)
  2026-11-10  ledger entry on A2             2026-11-12  河西村 escalated, 青松村 spot-checked
  2026-12-20  the bulletins are written.
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from dangjian.core.models import AuditAction, AuditLog, BackgroundJob
from dangjian.orgs.choices import Domain, Level, OrgKind
from dangjian.rectify import services
from dangjian.rectify.bulletin import (
    bulletin_data,
    bulletin_title,
    page_url,
    quarter_bounds,
    write_docx,
    write_quarterly,
)
from dangjian.rectify.models import CaseEventKind, CaseSource, WeaknessKind

from conftest import make_org

pytestmark = pytest.mark.django_db
TITLE_Q4 = "关于2026年第四季度软弱涣散基层党组织整顿工作进展情况的通报"
D = datetime.date


def at(day: datetime.date, hour: int = 10):
    return time_machine.travel(timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour))), tick=False)


def open_case(org, actor, kind, year=2026):
    return services.open_case(org, year=year, source=CaseSource.MANUAL, actor=actor, reasons=["上级指定"], kind=kind)


def measure(case, actor, name, deadline):
    return services.add_measure(
        case, actor=actor, problem=f"{name}问题", action=f"{name}措施", responsible="张三", deadline=deadline
    )


def done(m, actor, day):
    services.complete_measure(m, actor=actor, date=day)
    services.add_entry(m, actor=actor, date=day, content=f"{m.action}已完成")


@pytest.fixture
def story(region, county_user):
    west = make_org(region.north, "河西镇党委", "T-WEST", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    west_village = make_org(west, "河西村党支部", "T-WESTV", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    actor = county_user
    with at(D(2025, 3, 1)):  # last year's case, closed before 2026: not part of 2026's bulletins
        old = open_case(region.village, actor, WeaknessKind.SOFT, year=2025)
        old_measure = measure(old, actor, "旧", D(2025, 6, 30))
    with at(D(2025, 9, 1)):
        done(old_measure, actor, D(2025, 8, 30))
        services.town_check(old, actor=actor, opinion="初验合格")
        services.close_case(old, actor=actor, opinion="验收合格")
    with at(D(2026, 6, 10)):
        a = open_case(region.village, actor, WeaknessKind.SOFT)
        a1, a2 = measure(a, actor, "A1", D(2026, 9, 30)), measure(a, actor, "A2", D(2026, 11, 30))
        services.add_fund(a, actor=actor, amount="30000", source="县财政", date=D(2026, 6, 15))
        b = open_case(region.birch, actor, WeaknessKind.POOR)
        b1 = measure(b, actor, "B1", D(2026, 8, 31))
        services.add_fund(b, actor=actor, amount="50000", source="县财政", date=D(2026, 7, 1))
        south = open_case(region.south_village, None, WeaknessKind.SOFT)  # the other county's
        services.add_fund(south, actor=None, amount="99999", source="南岭财政", date=D(2026, 7, 1))
    with at(D(2026, 8, 20)):
        done(b1, actor, D(2026, 8, 20))
    with at(D(2026, 9, 25)):
        done(a1, actor, D(2026, 9, 25))
    with at(D(2026, 10, 8)):
        c = open_case(west_village, actor, WeaknessKind.DISORDERLY)
        measure(c, actor, "C1", D(2026, 10, 31))
        measure(c, actor, "C2", D(2027, 1, 31))
        services.add_fund(c, actor=actor, amount="20000.50", source="县财政", date=D(2026, 10, 10))
    with at(D(2026, 10, 15)):
        services.town_check(b, actor=actor, opinion="初验合格")
    with at(D(2026, 10, 20)):
        services.close_case(b, actor=actor, opinion="验收合格")
    with at(D(2026, 11, 10)):
        services.add_entry(a2, actor=actor, date=D(2026, 11, 10), content="A2推进中")
    with at(D(2026, 11, 12)):
        services.record_event(c, CaseEventKind.ESCALATED, "C1逾期，上报县委组织部", None)
        services.record_event(a, CaseEventKind.SPOT_CHECK, "抽查青松村", None)
    return {"a": a, "b": b, "c": c, "west": west, "west_village": west_village, "south": south}


def q4(region, user):
    return bulletin_data(region.north, 2026, 4, user=user, today=D(2026, 12, 20))


def test_the_page_address_names_organization_year_and_quarter(region):
    assert page_url(region.north, 2026, 4) == "/rectify/bulletins/?org=T-NORTH&year=2026&quarter=4"


def test_quarter_bounds_and_title():
    assert quarter_bounds(2026, 4) == (D(2026, 10, 1), D(2026, 12, 31))
    assert quarter_bounds(2026, 1) == (D(2026, 1, 1), D(2026, 3, 31))
    assert bulletin_title(2026, 4) == TITLE_Q4
    with pytest.raises(ValueError):
        quarter_bounds(2026, 5)


def test_the_fourth_quarter_figures_are_derived_from_the_records(region, county_user, story):
    data = q4(region, county_user)

    assert data.title == TITLE_Q4
    assert data.issuer == "中共漠北县委组织部"
    assert data.as_of == D(2026, 12, 20)
    assert data.cases_total == 3  # 青松村, 白桦村, 河西村; not last year's closed case, not 南岭村
    assert data.by_status == [("整改中", 2), ("乡镇已初验", 0), ("已销号", 1)]
    assert dict(data.by_kind) == {
        "班子软弱（软）": 1,
        "集体经济薄弱（穷）": 1,
        "治理混乱（乱）": 1,
        "产业特色发展（专）": 0,
    }
    assert data.closed_this_year == 1
    assert [(h.name, h.date) for h in data.closed_quarter] == [("白桦村党支部", D(2026, 10, 20))]
    assert (data.measures_total, data.measures_done, data.measures_open) == (5, 2, 3)
    assert data.measures_overdue == 2  # A2 (due 11-30) and C1 (due 10-31)
    assert data.measures_done_quarter == 0  # A1 and B1 were done in the third quarter
    assert data.funds_total == Decimal("100000.50")
    assert data.funds_quarter == Decimal("20000.50")
    assert data.ledger_quarter == 1
    assert [(h.name, h.date) for h in data.escalations] == [("河西村党支部", D(2026, 11, 12))]
    assert [(h.name, h.date) for h in data.spot_checks] == [("青松村党支部", D(2026, 11, 12))]
    assert data.stale == ["河西村党支部"]

    rows = {r.name: r for r in data.rows}
    assert list(rows) == ["松岭镇党委", "河西镇党委"]
    town, west = rows["松岭镇党委"], rows["河西镇党委"]
    assert (town.cases, town.open, town.town_checked, town.closed) == (2, 1, 0, 1)
    assert (town.measures, town.measures_done, town.measures_overdue, town.funds) == (3, 2, 1, Decimal("80000"))
    assert (west.cases, west.open, west.measures, west.measures_done, west.measures_overdue) == (1, 1, 2, 0, 1)
    assert west.funds == Decimal("20000.50")
    # Equal overdue counts: the one with less done comes first.
    assert [(b.name, b.parent, b.overdue, b.done, b.measures) for b in data.behind] == [
        ("河西村党支部", "河西镇党委", 1, 0, 2),
        ("青松村党支部", "松岭镇党委", 1, 1, 2),
    ]


def test_a_past_quarter_is_reported_as_it_ended(region, county_user, story):
    """Written in December, the third quarter still shows 白桦村 in rectification and A2 not yet overdue."""
    data = bulletin_data(region.north, 2026, 3, user=county_user, today=D(2026, 12, 20))

    assert data.as_of == D(2026, 9, 30)
    assert data.cases_total == 2  # 河西村 was opened in October
    assert data.by_status == [("整改中", 2), ("乡镇已初验", 0), ("已销号", 0)]
    assert data.closed_quarter == []
    assert (data.measures_total, data.measures_done, data.measures_overdue) == (3, 2, 0)
    assert data.measures_done_quarter == 2
    assert (data.funds_total, data.funds_quarter) == (Decimal("80000"), Decimal("50000"))
    assert data.ledger_quarter == 2
    assert data.escalations == [] and data.spot_checks == []


def test_the_running_quarter_agrees_with_the_ledger_rollup(region, county_user, story):
    """Today's figures of the bulletin and of rect-core's ledger rollup come from the same records."""
    with at(D(2026, 12, 20)):
        data = bulletin_data(region.north, 2026, 4, user=county_user)
        rollup = {r["label"]: r for r in services.rollup(region.north, county_user, year=2026)}
    for row in data.rows:
        other = rollup[row.name]
        assert row.open + row.town_checked == other["cases_open"]
        assert row.closed == other["cases_closed"]
        assert row.measures_overdue == other["measures_overdue"]
        assert row.funds == other["funds"]


def test_a_town_user_s_bulletin_covers_only_the_town(region, town_user, story):
    data = bulletin_data(region.town, 2026, 4, user=town_user, today=D(2026, 12, 20))

    assert data.issuer == "中共松岭镇党委"
    assert data.cases_total == 2
    assert [r.name for r in data.rows] == ["青松村党支部", "白桦村党支部"]
    assert data.funds_total == Decimal("80000")


def test_the_scope_narrows_a_bulletin_of_a_wider_organization(region, county_user, city_admin, story):
    """The city's bulletin counts the other county's case for the city, never for a county user."""
    city = bulletin_data(region.city, 2026, 4, user=city_admin, today=D(2026, 12, 20))
    narrowed = bulletin_data(region.city, 2026, 4, user=county_user, today=D(2026, 12, 20))

    assert city.cases_total == 4
    assert [r.name for r in city.rows] == ["漠北县委", "南岭县委"]
    assert narrowed.cases_total == 3
    assert [r.name for r in narrowed.rows] == ["漠北县委"]
    assert narrowed.funds_total == Decimal("100000.50")


def test_a_quarter_to_come_is_empty(region, county_user, story):
    data = bulletin_data(region.north, 2027, 2, user=county_user, today=D(2026, 12, 20))
    assert data.cases_total == 0 and data.rows == [] and data.measures_total == 0


def docx_text(content: bytes) -> tuple[str, list[list[str]]]:
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    return text, cells


def test_the_word_bulletin_has_title_sections_tables_and_chinese_fonts(region, county_user, story):
    out = io.BytesIO()
    write_docx(q4(region, county_user), out)
    text, cells = docx_text(out.getvalue())

    assert text.splitlines()[0] == TITLE_Q4
    for heading in ("一、总体进展", "二、各乡镇进展情况", "三、存在问题", "四、下步要求"):
        assert heading in text
    assert "共3个，其中已销号1个（本季度销号1个）" in text
    assert "累计落实专项资金10.00万元，其中本季度2.00万元" in text
    assert "中共漠北县委组织部" in text and "2026年12月20日" in text
    assert ["松岭镇党委", "2", "1", "0", "1", "3", "2", "1", "8.00"] in cells
    assert ["河西镇党委", "1", "1", "0", "0", "2", "0", "1", "2.00"] in cells
    assert ["合计", "3", "2", "0", "1", "5", "2", "2", "10.00"] in cells
    assert ["河西村党支部", "河西镇党委", "治理混乱（乱）", "整改中", "2", "0", "1"] in cells
    doc = Document(io.BytesIO(out.getvalue()))
    assert all(t.style.name == "Table Grid" for t in doc.tables)  # bordered
    run = doc.paragraphs[0].runs[0]
    fonts = run._element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "方正小标宋简体"


def test_libreoffice_opens_the_bulletin(region, county_user, story, tmp_path):
    """The .docx converts to PDF in LibreOffice and the PDF's text carries the title."""
    office, pdftotext = shutil.which("libreoffice") or shutil.which("soffice"), shutil.which("pdftotext")
    assert office and pdftotext, "LibreOffice 与 pdftotext 须已安装（scripts/test.sh 会安装）"
    source = tmp_path / "bulletin.docx"
    write_docx(q4(region, county_user), source)
    profile = tmp_path / "profile"  # its own profile: another LibreOffice running on the machine does not interfere
    subprocess.run(  # noqa: S603 - the installed LibreOffice with fixed arguments
        [
            office,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = subprocess.run(  # noqa: S603 - poppler's pdftotext with fixed arguments
        [pdftotext, str(tmp_path / "bulletin.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = "".join(text.split())
    assert TITLE_Q4 in flat
    assert "河西村党支部" in flat and "四、下步要求" in flat


def generated(client, org: str, year: int, quarter: int):
    """The bulletin's files as the page's 生成 button has the worker write them (run here, in the request:
    settings.JOBS_INLINE): the job's page, then each file as downloaded from it, by name."""
    started = client.post("/rectify/bulletins/generate/", {"org": org, "year": year, "quarter": quarter})
    assert started.status_code == 302 and started["Location"].startswith("/jobs/"), started
    page = client.get(started["Location"]).content.decode()
    files = {}
    for n, url in enumerate(sorted(set(re.findall(r'href="(/jobs/\d+/files/\d+/)"', page)))):
        response = client.get(url)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]
        files[n] = response
    return page, files


def test_the_workbook_holds_one_sheet_per_table_with_exact_numbers(region, county_user, story, login, settings):
    settings.JOBS_INLINE = True
    with at(D(2026, 12, 20)):
        _, files = generated(login(county_user), "T-NORTH", 2026, 4)
    response = files[1]
    assert ".xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))

    assert book.sheetnames == ["总体情况", "各单位进展", "逾期未完成", "本季度销号", "逾期上报", "抽查"]
    # Each sheet opens with a title row naming the bulletin and the table, then the header row.
    for sheet in book.worksheets:
        assert sheet["A1"].value == f"{TITLE_Q4}——{sheet.title}"
        assert any(str(merged).startswith("A1:") for merged in sheet.merged_cells.ranges)
    figures = {row[0]: row[1] for row in book["总体情况"].iter_rows(min_row=3, values_only=True)}
    assert figures["通报"] == TITLE_Q4
    assert figures["列入整顿的组织（个）"] == 3
    assert figures["其中已销号（个）"] == 1
    assert figures["整改措施（项）"] == 5
    assert figures["逾期未完成（项）"] == 2
    assert figures["专项资金累计（元）"] == 100000.5
    assert figures["本季度专项资金（元）"] == 20000.5
    # Wide enough to read when opened: the date is no ####, the title not cut (two columns a Chinese character).
    overview = book["总体情况"]
    assert overview.column_dimensions["B"].width >= len(TITLE_Q4.encode("gbk"))  # GBK: two bytes a character
    assert overview.column_dimensions["A"].width >= len("专项资金累计（元）".encode("gbk"))
    # Printed: landscape, every column across one page, each table's header on every page.
    progress = book["各单位进展"]
    assert (progress.page_setup.orientation, progress.page_setup.fitToWidth, progress.print_title_rows) == (
        "landscape",
        1,
        "$2:$2",
    )
    rows = list(book["各单位进展"].iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == "单位" and rows[0][-1] == "专项资金（元）"
    assert rows[1:] == [
        ("松岭镇党委", 2, 1, 0, 1, 3, 2, 1, 80000),
        ("河西镇党委", 1, 1, 0, 0, 2, 0, 1, 20000.5),
        ("合计", 3, 2, 0, 1, 5, 2, 2, 100000.5),
    ]
    closed = list(book["本季度销号"].iter_rows(min_row=3, values_only=True))
    assert [(name, day.date()) for name, day in closed] == [("白桦村党支部", D(2026, 10, 20))]


def test_the_page_previews_the_figures_and_the_worker_writes_the_files_whose_downloads_are_audited(
    region, county_user, story, login, settings
):
    settings.JOBS_INLINE = True
    with at(D(2026, 12, 20)):
        client = login(county_user)  # logged in on the day: sessions expire
        page = client.get("/rectify/bulletins/?org=T-NORTH&year=2026&quarter=4")
        body = page.content.decode()
        assert page.status_code == 200
        assert TITLE_Q4 in body and "河西镇党委" in body and "南岭" not in body
        assert 'action="/rectify/bulletins/generate/"' in body and "生成通报文件" in body

        before = AuditLog.objects.filter(action=AuditAction.EXPORT).count()
        job_page, files = generated(client, "T-NORTH", 2026, 4)
    assert "已完成" in job_page and "整顿组织 3 个" in job_page
    assert "漠北县委2026年第4季度整顿工作通报.docx" in job_page and "漠北县委2026年第4季度整顿工作通报.xlsx" in job_page
    response = files[0]
    assert response["Content-Type"].endswith("wordprocessingml.document")
    text, _ = docx_text(b"".join(response.streaming_content))
    assert TITLE_Q4 in text
    entry = AuditLog.objects.filter(action=AuditAction.EXPORT).order_by("-seq").first()
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == before + 2  # one per file downloaded
    assert entry.user == county_user and entry.org_path == region.north.path and "整顿工作通报" in entry.detail


def test_the_page_opens_on_the_user_s_own_organization_and_this_quarter(region, town_user, login):
    with at(D(2026, 11, 25)):
        page = login(town_user).get("/rectify/bulletins/")
    assert page.status_code == 200
    assert "关于2026年第四季度" in page.content.decode()
    assert page.context["data"].org == region.town


def test_another_county_s_bulletin_is_404_and_its_page_says_out_of_scope(region, outsider, story, login):
    client = login(outsider)
    before = AuditLog.objects.count()
    for org in ("T-NORTH", "T-CITY", "NO-SUCH"):
        started = client.post("/rectify/bulletins/generate/", {"org": org, "year": 2026, "quarter": 4})
        assert started.status_code == 404, org
    assert not BackgroundJob.objects.exists()
    page = client.get("/rectify/bulletins/?org=T-NORTH&year=2026&quarter=4")
    assert page.status_code == 400
    body = page.content.decode()
    assert "不在您的数据范围内" in body and "青松村" not in body and "河西" not in body
    assert AuditLog.objects.count() == before  # nothing exported


def test_a_bad_quarter_is_refused_in_chinese(region, county_user, login):
    client = login(county_user)
    page = client.get("/rectify/bulletins/?org=T-NORTH&year=2026&quarter=5")
    assert page.status_code == 400 and "季度" in page.content.decode()
    response = client.post("/rectify/bulletins/generate/", {"org": "T-NORTH", "year": 20266, "quarter": 4})
    assert response.status_code == 400 and "年度" in response.content.decode()
    assert not BackgroundJob.objects.exists()


def test_write_quarterly_files_both_documents_once_per_county(region, story, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with at(D(2027, 1, 2)):
        first = write_quarterly(2026, 4)
        again = write_quarterly(2026, 4)

    names = sorted(p.name for p in first)
    # Each county with cases issues its own bulletin; writing again replaces the files.
    assert names == sorted(
        f"2026年第4季度通报_{code}{suffix}" for code in ("T-NORTH", "T-SOUTH") for suffix in (".docx", ".xlsx")
    )
    assert first == again
    assert sorted(p.name for p in (tmp_path / "bulletins").iterdir()) == names
    text, _ = docx_text((tmp_path / "bulletins" / "2026年第4季度通报_T-NORTH.docx").read_bytes())
    assert TITLE_Q4 in text and "2027年1月2日" in text and "截至2026年12月31日" in text
    one = write_quarterly(2026, 4, org=region.town)
    assert [p.name for p in one] == ["2026年第4季度通报_T-TOWN.docx", "2026年第4季度通报_T-TOWN.xlsx"]


def test_the_case_export_follows_the_list_filters(region, county_user, story, login):
    client = login(county_user)
    before = AuditLog.objects.filter(action=AuditAction.EXPORT).count()
    response = client.get("/rectify/bulletins/cases.xlsx?year=2026&status=open&org_code=T-NORTH")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    header = [c.value for c in sheet[3]]
    assert header[:3] == ["年度", "组织编码", "整顿对象"]
    assert sorted(r[2] for r in rows) == ["河西村党支部", "青松村党支部"]
    qingsong = next(r for r in rows if r[2] == "青松村党支部")
    assert qingsong[header.index("专项资金（元）")] == 30000
    assert qingsong[header.index("整改措施")] == 2
    assert "筛选条件：年度：2026；状态：整改中；组织编码（含下级）：T-NORTH" in sheet["A2"].value
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == before + 1

    everything = client.get("/rectify/bulletins/cases.xlsx")
    names = [
        r[2]
        for r in load_workbook(io.BytesIO(b"".join(everything.streaming_content))).active.iter_rows(
            min_row=4, values_only=True
        )
    ]
    assert "南岭村党支部" not in names and len(names) == 4  # three of 2026 and last year's


def test_the_case_export_of_another_county_s_code_is_empty(region, outsider, story, login):
    response = login(outsider).get("/rectify/bulletins/cases.xlsx?org_code=T-NORTH")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert list(sheet.iter_rows(min_row=4, values_only=True)) == []
