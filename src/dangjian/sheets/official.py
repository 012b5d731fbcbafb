"""Official documents (公文) as Word files: the layout every bulletin the system writes shares.

After the usual practice (GB/T 9704): A4, margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; the title in
方正小标宋 二号, the body in 仿宋 三号 on a fixed 28-point line, section heads in 黑体; 主送 under the title; tables
bordered, their header row repeated on every page; the issuer and the date under the text, kept on its last page.

Fonts are named as the offices have them, with a fallback for where they are missing: the title's 方正小标宋简体 is
declared in the document's font table with 宋体 (SimSun) as its alternative, which Word substitutes; the body and the
heads use the names Word and LibreOffice both know (FangSong = 仿宋, SimHei = 黑体), which LibreOffice replaces with
an installed CJK face (Noto CJK) where they are not installed. Runs are marked zh-CN so a fallback picks Chinese
glyphs.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml import etree

from dangjian.orgs.choices import OrgKind

TITLE_FONT, BODY_FONT, HEAD_FONT, LATIN_FONT = "方正小标宋简体", "FangSong", "SimHei", "Times New Roman"
# A font the document names but the computer may lack → what Word should use instead (the font table's altName).
FALLBACKS = {TITLE_FONT: "SimSun"}
BODY_SIZE, TITLE_SIZE, TABLE_SIZE = 16, 22, 10.5  # 三号, 二号, 五号
LINE = 28  # points: the fixed line of the body


def cn_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def issuing_body(org) -> str:
    """A county or city committee's documents are issued by its organization department (组织部)."""
    if org.kind in (OrgKind.CITY_COMMITTEE, OrgKind.COUNTY_COMMITTEE):
        return f"中共{org.name}组织部"
    return f"中共{org.name}"


def addressees(org) -> str:
    """主送: those below the issuing organization a bulletin is sent to."""
    if org.kind == OrgKind.COUNTY_COMMITTEE:
        return "各乡镇党委，县直各党（工）委、党组"
    if org.kind == OrgKind.CITY_COMMITTEE:
        return "各县（区）委组织部，市直各党（工）委、党组"
    return "各党支部"


def area_word(org) -> str:
    """How a document names the issuing organization's area: 全县, 全市, 全镇（街道）."""
    if org.kind == OrgKind.COUNTY_COMMITTEE:
        return "县"
    if org.kind == OrgKind.CITY_COMMITTEE:
        return "市"
    if org.kind in (OrgKind.TOWN_COMMITTEE, OrgKind.STREET_COMMITTEE):
        return "镇（街道）"
    return "单位"


def new_document(title: str, author: str):
    """An empty A4 document with the official margins and the body style."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = LATIN_FONT, Pt(BODY_SIZE)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    doc.core_properties.title = title
    doc.core_properties.author = author
    _declare_fallbacks(doc)
    return doc


def _declare_fallbacks(doc) -> None:
    """Name each font of FALLBACKS in the document's font table with its alternative (w:altName) and the GB2312
    character set, so a word processor without the font substitutes a Chinese one of the same kind."""
    for rel in doc.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            part = rel.target_part
            root = etree.fromstring(part.blob)
            for name, alternative in FALLBACKS.items():
                font = etree.SubElement(root, qn("w:font"))
                font.set(qn("w:name"), name)
                etree.SubElement(font, qn("w:altName")).set(qn("w:val"), alternative)
                etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")  # GB2312
                etree.SubElement(font, qn("w:family")).set(qn("w:val"), "roman")
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_font(run, name: str, size: float, bold: bool = False) -> None:
    """Latin text in Times New Roman, Chinese in `name` (the East Asian font attribute, which Word and LibreOffice
    read for CJK characters)."""
    run.font.name = LATIN_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    properties = run._element.get_or_add_rPr()
    fonts = properties.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:hint"), "eastAsia")
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "en-US")
    language.set(qn("w:eastAsia"), "zh-CN")
    properties.append(language)


def paragraph(doc, text: str, *, font=BODY_FONT, size=BODY_SIZE, bold=False, align=None, indent=True):
    """A paragraph of the body: the fixed line, no space after, the first line indented two characters."""
    item = doc.add_paragraph()
    if align is not None:
        item.alignment = align
    fmt = item.paragraph_format
    fmt.line_spacing = Pt(LINE)
    fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    set_font(item.add_run(text), font, size, bold)
    return item


def title(doc, text: str, *, break_at: int | None = None):
    """The document's title, centred, with room under it; a long title breaks before character `break_at` (at a
    phrase, as titles are broken), rather than leaving its last character alone on the second line."""
    item = paragraph(
        doc, text[:break_at], font=TITLE_FONT, size=TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )
    if break_at is not None:
        run = item.add_run()
        run.add_break()
        run.add_text(text[break_at:])
        set_font(run, TITLE_FONT, TITLE_SIZE)
    item.paragraph_format.line_spacing = Pt(36)
    item.paragraph_format.space_after = Pt(16)
    return item


def heading(doc, text: str):
    """A section head (一、…), kept with what follows so it never ends a page on its own. Bold as well: where 黑体
    is missing it falls back to the same face as the body, and would not stand out."""
    item = paragraph(doc, text, font=HEAD_FONT, bold=True)
    item.paragraph_format.keep_with_next = True
    return item


def caption(doc, text: str):
    """A table's caption (表1 …), kept on the page of the table's first rows."""
    item = paragraph(doc, text, font=HEAD_FONT, size=12, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    item.paragraph_format.keep_with_next = True
    return item


def _row_property(row, tag: str) -> None:
    element = OxmlElement(tag)
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


def table(doc, headers: list[str], rows: list[list[object]], widths: list[float], money=None):
    """A bordered table ("Table Grid"): a bold header row repeated at the top of every page it runs onto (and kept
    with the first row), numbers right-aligned, no row split across pages, column widths in cm. `money` writes a
    Decimal (default: two decimals)."""
    grid = doc.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for cell, text in zip(grid.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell.paragraphs[0].paragraph_format.keep_with_next = True
        set_font(cell.paragraphs[0].add_run(text), HEAD_FONT, TABLE_SIZE)
    _row_property(grid.rows[0], "w:cantSplit")
    _row_property(grid.rows[0], "w:tblHeader")
    for values in rows:
        row = grid.add_row()
        _row_property(row, "w:cantSplit")
        for cell, value in zip(row.cells, values, strict=True):
            if isinstance(value, Decimal):
                text = money(value) if money else f"{value:.2f}"
            else:
                text = str(value)
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            set_font(cell.paragraphs[0].add_run(text), BODY_FONT, TABLE_SIZE)
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Cm(width)  # the grid, which LibreOffice reads
        for cell in column.cells:  # and each cell's width, which Word reads
            cell.width = Cm(width)
    return grid


def sign_off(doc, last, issuer: str, issued: datetime.date) -> None:
    """The issuer and the date under the text, right-aligned two characters in from the margin, on the same page
    as the text's last paragraph (`last`): a 公文's 落款 never stands alone on a page of its own."""
    last.paragraph_format.keep_with_next = True
    blank = paragraph(doc, "", indent=False)
    blank.paragraph_format.keep_with_next = True
    name = paragraph(doc, issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    name.paragraph_format.keep_with_next = True
    name.paragraph_format.right_indent = Pt(BODY_SIZE * 2)
    day = paragraph(doc, cn_date(issued), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    day.paragraph_format.right_indent = Pt(BODY_SIZE * 2)
