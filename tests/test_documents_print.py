"""The documents as they print (issue #19, point 4), read back from the PDF LibreOffice makes of them: the quarterly
bulletin keeps its headings with their tables, repeats a table's header row on every page and keeps the issuer and
date with the last paragraph; its workbook has a title row; the instruction sheets print within the page's width;
the results export prints in readable type with scores to two decimals."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

import dangjian.assess as assess_examples
from dangjian.assess import services
from dangjian.assess.batch import read_scheme
from dangjian.assess.batch_xlsx import write_template as write_batch_template
from dangjian.assess.models import Participant
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization
from dangjian.rectify.bulletin import BEHIND_HEADERS, ROW_HEADERS, Behind, BulletinData, Row, write_docx
from dangjian.sheets.template import write_template
from office import page_sizes, pages, to_pdf, word_heights, word_right_edges
from schemes import COUNTY_SCHEME

D = datetime.date


def long_bulletin() -> BulletinData:
    """A county of sixty towns: the table of towns runs over several pages."""
    county = Organization(name="漠北县委", kind=OrgKind.COUNTY_COMMITTEE)
    data = BulletinData(
        org=county,
        year=2026,
        quarter=4,
        start=D(2026, 10, 1),
        end=D(2026, 12, 31),
        as_of=D(2026, 12, 20),
        title="关于2026年第四季度软弱涣散基层党组织整顿工作进展情况的通报",
        issuer="中共漠北县委组织部",
        issued=D(2026, 12, 20),
    )
    data.rows = [Row(f"第{n:02d}镇党委", f"{n:08d}.", 2, 1, 0, 1, 4, 2, 1, Decimal("12345.60")) for n in range(1, 61)]
    data.cases_total = 120
    data.by_status = [("整改中", 60), ("乡镇已初验", 0), ("已销号", 60)]
    data.behind = [Behind(f"第{n:02d}村党支部", "松岭镇党委", "班子软弱（软）", "整改中", 3, 1, 2) for n in range(10)]
    return data


def test_the_quarterly_bulletin_prints_headings_with_tables_headers_on_each_page_and_the_sign_off_with_the_text(
    tmp_path,
):
    source = tmp_path / "bulletin.docx"
    write_docx(long_bulletin(), source)
    printed = pages(to_pdf(source))

    assert len(printed) >= 3
    with_rows = [
        i for i, page in enumerate(printed) if "第30镇党委" in page or "第01镇党委" in page or "第60镇党委" in page
    ]
    assert len(set(with_rows)) >= 2, "the table of towns should run over more than one page"
    header = ROW_HEADERS[0] + ROW_HEADERS[1][:3]  # 单位整顿组: the header row read across (its cells wrap)
    for i, page in enumerate(printed):
        if any(f"第{n:02d}镇党委" in page for n in range(1, 61)):
            assert header in page, f"page {i + 1} has rows of table 2 without its header row"
    # A heading and its caption are on the page where the table starts.
    start = next(i for i, page in enumerate(printed) if "第01镇党委" in page)
    assert "二、各乡镇进展情况" in printed[start] and "表2" in printed[start]
    start = next(i for i, page in enumerate(printed) if "第00村党支部" in page)
    assert "表3" in printed[start] and BEHIND_HEADERS[0] + BEHIND_HEADERS[1] in printed[start]
    # The issuer and the date stand on the page of the text's last paragraph.
    last = next(i for i, page in enumerate(printed) if "（四）及时更新台账" in page)
    assert "中共漠北县委组织部" in printed[last] and "2026年12月20日" in printed[last]


def printed_words_fit(pdf) -> bool:
    """Every printed word lies within its page: nothing runs off the edge."""
    sizes = page_sizes(pdf)
    return all(x_max <= sizes[page][0] + 0.5 for page, x_max in word_right_edges(pdf))


def test_the_member_template_s_instructions_print_on_one_page_wrapped_within_its_width(tmp_path):
    source = tmp_path / "members.xlsx"
    write_template("members", source)
    book = load_workbook(source)
    guide = book["填写说明"]
    assert guide.page_setup.fitToWidth == 1 and guide.print_area
    pdf = to_pdf(source)
    printed = pages(pdf)
    at = [i for i, page in enumerate(printed) if "列名是否必填说明" in page]
    assert len(at) == 1 and len(printed) == 2  # the sheet, then its instructions on one page (not eight)
    for note in ("导入要么全部成功，要么一行也不写入；有错误时可下载错误清单，改正后重新导入。", "最多50个字。"):
        assert note in printed[at[0]]  # whole, on the instructions' page
    assert printed_words_fit(pdf)


def test_the_score_sheet_s_instructions_print_within_the_page_width(tmp_path):
    source = tmp_path / "scores.xlsx"
    scheme = read_scheme(Path(assess_examples.__file__).parent / "examples" / "scheme-county.yaml")
    write_batch_template(scheme, [], source)
    pdf = to_pdf(source)
    printed = pages(pdf)
    first = next(i for i, page in enumerate(printed) if "成绩表填写说明" in page)
    for line in (
        "填好后运行：dangjianassessrun--scheme方案.yaml--scores本文件--out结果.xlsx",
        "满意度项填满意率（如85%、85或0.85，其余视为不满意）或“满意/基本满意/不满意”人数（如30/5/2）。",
    ):
        assert line in printed[first]  # each line whole on the first page of the instructions, not cut in pieces
    assert printed_words_fit(pdf)


@pytest.mark.django_db
def test_the_results_export_prints_landscape_in_readable_type_with_two_decimals(
    region, county_user, town_user, login, tmp_path
):
    scheme = services.save_scheme(actor=county_user, owner=region.north, text=COUNTY_SCHEME)
    assessment = services.open_assessment(
        actor=county_user, scheme=scheme, root=region.north, cutoff=datetime.date(2026, 12, 31)
    )
    for code, points in (("T-VILLAGE", "70.5"), ("T-BIRCH", "60")):
        services.enter(Participant.objects.get(code=code), "G01", points, actor=town_user)
    services.run_assessment(assessment, actor=county_user)
    response = login(county_user).get(f"/assess/{assessment.pk}/results.xlsx")
    source = tmp_path / "results.xlsx"
    source.write_bytes(b"".join(response.streaming_content))

    sheet = load_workbook(source).active
    assert (sheet.page_setup.orientation, sheet.page_setup.fitToWidth, sheet.print_title_rows) == (
        "landscape",
        1,
        "$3:$3",
    )
    header = [cell.value for cell in sheet[3]]
    total = sheet.cell(row=4, column=header.index("总分") + 1)
    assert total.number_format == "0.00"

    pdf = to_pdf(source)
    width, height = page_sizes(pdf)[0]
    assert width > height  # landscape
    text = "".join(pages(pdf))
    assert "90.50" in text and "70.00" in text  # two decimals, as the page shows them (not 90.5 and 70)
    heights = word_heights(pdf, r"\d+\.\d\d")
    assert heights and min(heights) >= 8  # the type of the scores as printed, in points (it was 5)
