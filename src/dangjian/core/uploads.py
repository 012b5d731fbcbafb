"""Uploaded evidence, photos and reports: the extension must be one the caller accepts and the bytes must be that type.

Checked by the file's own bytes (its signature, and for Word and Excel files the parts inside the zip), never by the
extension or the browser's content type alone: an HTML page named `.pdf` is refused. Pure Python, so no libmagic on
the server. One function, `check_upload`, for every upload field; the import spreadsheets have their own reader
(`sheets/`).
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
HEAD_BYTES = 8192  # enough for every signature below and a fair sample of a text file
MAX_CONTENT_TYPES_BYTES = 1024 * 1024  # [Content_Types].xml of a real Office file is a few KB

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc and .xls: an OLE compound document
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def _office(main_type: bytes) -> Callable[[bytes, object], bool]:
    """A .docx or .xlsx: a zip whose [Content_Types].xml declares the document's main part (macro files differ)."""

    def check(head: bytes, upload) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(upload) as archive:  # reads the directory only, nothing is unpacked
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size > MAX_CONTENT_TYPES_BYTES:
                    return False
                return main_type in archive.read(info)
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, EOFError):
            return False

    return check


def _text(head: bytes, upload) -> bool:
    """Plain text: UTF-16 with its byte order mark, or UTF-8 / GB18030 (what Chinese Windows writes) without NULs."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)  # the sample may end mid-character
            return True
        except UnicodeDecodeError:
            continue
    return False


def _signature(*starts: bytes) -> Callable[[bytes, object], bool]:
    return lambda head, upload: head.startswith(starts)


@dataclass(frozen=True)
class Kind:
    """A file type users upload: its name in messages and the check of its bytes."""

    label: str
    matches: Callable[[bytes, object], bool]


PDF = Kind("PDF 文件", _signature(b"%PDF-"))
JPEG = Kind("JPEG 图片", _signature(b"\xff\xd8\xff"))
KINDS = {
    ".pdf": PDF,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".png": Kind("PNG 图片", _signature(b"\x89PNG\r\n\x1a\n")),
    ".gif": Kind("GIF 图片", _signature(b"GIF87a", b"GIF89a")),
    ".webp": Kind("WebP 图片", lambda head, upload: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    ".heic": Kind("HEIC 图片", lambda head, upload: head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS),
    ".doc": Kind("Word 97-2003 文档", _signature(OLE2)),
    ".docx": Kind("Word 文档", _office(DOCX_MAIN)),
    ".xls": Kind("Excel 97-2003 工作簿", _signature(OLE2)),
    ".xlsx": Kind("Excel 工作簿", _office(XLSX_MAIN)),
    ".txt": Kind("文本文件", _text),
}
EVIDENCE_TYPES = tuple(KINDS)
REPORT_TYPES = (".pdf", ".doc", ".docx")


def check_upload(
    upload,
    *,
    allowed: Iterable[str] = EVIDENCE_TYPES,
    what: str = "佐证材料",
    accepted: str = "PDF、图片、Word、Excel 或文本文件",
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> str:
    """The upload's extension (lower case) once name, size and bytes agree; ValidationError in Chinese naming the
    file otherwise. `what` names the field in messages, `accepted` describes the allowed types."""
    name = (upload.name or "")[-60:]
    ext = Path(upload.name or "").suffix.lower()
    if ext not in allowed or ext not in KINDS:
        raise ValidationError(f"「{name}」：{what}只接受 {accepted}（{'、'.join(allowed)}）。")
    if not upload.size:
        raise ValidationError(f"「{name}」：文件是空的。")
    if upload.size > max_bytes:
        raise ValidationError(f"「{name}」：{what}不能超过 {max_bytes // (1024 * 1024)} MB。")
    kind = KINDS[ext]
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    try:
        upload.seek(0)
        matches = kind.matches(head, upload)
    finally:
        upload.seek(0)  # the storage saves the file from where it stands
    if not matches:
        label = f" {kind.label}" if kind.label[0].isascii() else kind.label  # 不是 PDF 文件, 不是文本文件
        raise ValidationError(
            f"「{name}」：文件内容不是{label}，与扩展名 {ext} 不符（可能只是改了扩展名），请另存为{label}后再上传。"
        )
    return ext
