"""The upload form of the import pages: the file's type is checked by its name and by its first bytes."""

from __future__ import annotations

import codecs
from pathlib import Path

from django import forms
from django.conf import settings

XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip archive
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an .xls is an OLE compound document
CSV_SNIFF = 64 * 1024
EXTENSIONS = (".xlsx", ".xls", ".csv")
MODE_CHOICES = [("check", "仅校验（试导入）"), ("import", "正式导入")]


def max_upload_bytes() -> int:
    return settings.IMPORT_MAX_MB * 1024 * 1024


def too_large_message() -> str:
    return f"文件超过 {settings.IMPORT_MAX_MB} MB 的上限，请拆分成几个文件分批导入。"


def _is_text(head: bytes) -> bool:
    """CSV must be text in UTF-8, GB18030 (what Excel on Chinese Windows writes) or UTF-16 with its BOM;
    a cut-off last character at the end of the sample is not an error."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)  # what Excel's "Unicode text" writes; NUL bytes are normal there
    elif b"\x00" in head:
        return False
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False


def check_upload(upload) -> str:
    """The file's extension, or ValidationError in Chinese when the name, size or content is wrong."""
    ext = Path(upload.name or "").suffix.lower()
    if ext not in EXTENSIONS:
        raise forms.ValidationError("只能上传 Excel 文件（.xlsx、.xls）或 CSV 文件（.csv）。")
    if upload.size == 0:
        raise forms.ValidationError("文件是空的，请选择填好数据的导入文件。")
    if upload.size > max_upload_bytes():
        raise forms.ValidationError(too_large_message())
    upload.seek(0)
    head = upload.read(CSV_SNIFF)
    upload.seek(0)
    if ext == ".xlsx" and not head.startswith(XLSX_MAGIC):
        raise forms.ValidationError(
            "文件内容不是有效的 .xlsx 工作簿（可能只是改了扩展名），请用 Excel 另存为 .xlsx 后再上传。"
        )
    if ext == ".xls" and not head.startswith(XLS_MAGIC):
        raise forms.ValidationError(
            "文件内容不是有效的 .xls 工作簿（可能只是改了扩展名），请用 Excel 另存为 .xlsx 后再上传。"
        )
    if ext == ".csv" and not _is_text(head):
        raise forms.ValidationError("文件内容不是 CSV 文本（应为 UTF-8 或 GBK 编码的逗号分隔文本），请检查后再上传。")
    return ext


class UploadForm(forms.Form):
    file = forms.FileField(
        label="导入文件",
        error_messages={"required": "请选择要导入的文件。", "empty": "文件是空的，请选择填好数据的导入文件。"},
    )
    mode = forms.ChoiceField(label="方式", choices=MODE_CHOICES, initial="check", widget=forms.RadioSelect)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.extension = check_upload(upload)
        return upload

    @property
    def dry_run(self) -> bool:
        return self.cleaned_data["mode"] != "import"
