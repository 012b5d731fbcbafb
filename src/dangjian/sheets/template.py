"""The import templates: an .xlsx with a title row, Chinese headers (required ones marked *), an example row,
dropdowns for fixed choices, a note on each header and a sheet of instructions.

The importer skips the example row if it is left in unchanged, and reads the headers with or without the *.
"""

from __future__ import annotations

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .columns import BOOL, CHOICE, COLUMNS, DATE, ID_NUMBER, PHONE, TITLES, Column
from .export import print_instructions, print_layout

TEMPLATE_ROWS = 5_000  # rows the dropdowns and text formats are prepared for
OPTIONS_SHEET = "选项"


def _note(column: Column) -> str:
    parts = ["必填。" if column.required else "选填。"]
    if column.type in (CHOICE, BOOL):
        parts.append("可选：" + "、".join(column.labels) + "。")
    if column.note:
        parts.append(column.note)
    if column.max_length:
        parts.append(f"最多 {column.max_length} 个字。")
    return "".join(parts)


def write_template(kind: str, out) -> None:
    """Write the import template of `kind` ("orgs" or "members") to a path or binary file object."""
    columns = COLUMNS[kind]
    title = TITLES[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = f"{title}信息"
    options = book.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    guide = book.create_sheet("填写说明")

    sheet.append([f"{title}信息导入表（第 2 行为表头，第 3 行为示例，可删除；请从第 3 行起填写）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.row_dimensions[1].height = 24
    sheet.append([("*" if c.required else "") + c.header for c in columns])
    sheet.append([c.example for c in columns])
    sheet.freeze_panes = "A3"
    print_layout(sheet, header_row=2)  # printed to be filled in by hand, too

    header_fill = PatternFill("solid", fgColor="FDE9E7")
    option_col = 0
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=2, column=index)
        head.font = Font(bold=True, color="C00000" if column.required else "000000")
        head.fill = header_fill
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.comment = Comment(_note(column), "党建系统")
        example = sheet.cell(row=3, column=index)
        example.font = Font(italic=True, color="808080")
        sheet.column_dimensions[letter].width = max(10, min(30, len(column.header) * 2 + 4))
        if column.type in (ID_NUMBER, PHONE):
            # Text format, so Excel keeps all 18 digits and leading zeros instead of 9.90101E+17.
            sheet.column_dimensions[letter].number_format = "@"
            sheet.column_dimensions[letter].width = 22
            example.number_format = "@"
        if column.type == DATE:
            example.number_format = "yyyy-mm-dd"
            sheet.column_dimensions[letter].width = 14
        if column.type in (CHOICE, BOOL):
            option_col += 1
            opt_letter = get_column_letter(option_col)
            options.cell(row=1, column=option_col, value=column.header)
            for offset, label in enumerate(column.labels, start=2):
                options.cell(row=offset, column=option_col, value=label)
            last = len(column.labels) + 1
            source = f"{quote_sheetname(OPTIONS_SHEET)}!${opt_letter}$2:${opt_letter}${last}"
            rule = DataValidation(
                type="list",
                formula1=source,
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle="无效的值",
                error=f"请从下拉列表中选择{column.header}。",
            )
            rule.add(f"{letter}3:{letter}{TEMPLATE_ROWS}")
            sheet.add_data_validation(rule)
        if column.type == DATE:
            rule = DataValidation(
                type="date",
                operator="between",
                formula1="DATE(1900,1,1)",
                formula2="DATE(2100,12,31)",
                allow_blank=True,
                showErrorMessage=False,  # typed text dates are fine too: the importer reads them
            )
            rule.add(f"{letter}3:{letter}{TEMPLATE_ROWS}")
            sheet.add_data_validation(rule)

    guide.append(["列名", "是否必填", "说明"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in columns:
        guide.append([column.header, "必填" if column.required else "选填", _note(column)])
    guide.append([])
    guide.append(["说明", "", "表头可以在标题行下面，列的顺序可以调整，多余的列会被忽略。"])
    guide.append(["", "", "日期可写成 2016-11-16、2016/11/16、2016.11.16 或 2016年11月16日。"])
    guide.append(["", "", "导入要么全部成功，要么一行也不写入；有错误时可下载错误清单，改正后重新导入。"])
    guide.append(["", "", f"模板生成日期：{timezone.localdate():%Y-%m-%d}"])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 80
    print_instructions(guide, header_row=1)
    book.save(out)
