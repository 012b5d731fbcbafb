"""The documents as they print (issue #19, point 4), read back from the PDF LibreOffice makes of them: the quarterly
bulletin keeps its headings with their tables, repeats a table's header row on every page and keeps the issuer and
date with the last paragraph; its workbook has a title row; the instruction sheets print within the page's width;
the results export prints in readable type with scores to two decimals."""

from __future__ import annotations

import datetime
from decimal import Decimal

from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization
from dangjian.rectify.bulletin import BEHIND_HEADERS, ROW_HEADERS, Behind, BulletinData, Row, write_docx
from office import pages, to_pdf

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
