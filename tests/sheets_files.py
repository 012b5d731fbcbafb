"""Building import files in tests: xlsx (with a title row, merged headers), csv in any encoding."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

MEMBER_HEADERS = ["所在党组织编码", "姓名", "性别", "公民身份号码", "出生日期", "联系电话", "入党日期"]


def write_xlsx(path: Path, rows: list[list], title: str | None = "党员信息表", merge_title: bool = True) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        if merge_title:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(r) for r in rows))
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def read_xlsx(path) -> list[list]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]
