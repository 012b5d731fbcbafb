"""Documents read back as they print: LibreOffice converts a .docx or .xlsx to PDF, poppler reads its pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path


def to_pdf(source: Path) -> Path:
    """The PDF LibreOffice prints of `source`, next to it (its own profile: another LibreOffice does not interfere)."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    assert office and shutil.which("pdftotext"), "LibreOffice 与 pdftotext 须已安装（scripts/test.sh 会安装）"
    profile = source.parent / "lo-profile"
    subprocess.run(  # noqa: S603 - the installed LibreOffice with fixed arguments
        [office, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir"]
        + [str(source.parent), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return source.with_suffix(".pdf")


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} 须已安装（poppler-utils）"
    return path


def pages(pdf: Path) -> list[str]:
    """Each page's text with the white space taken out (Chinese text has none to keep)."""
    text = subprocess.run(  # noqa: S603 - poppler's pdftotext with fixed arguments
        [_tool("pdftotext"), "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return ["".join(page.split()) for page in text.split("\f")[:-1] or [text]]


def word_heights(pdf: Path, pattern: str) -> list[float]:
    """The heights (points) of the words matching `pattern` as printed: the type size they were set in, scaled."""
    html = subprocess.run(  # noqa: S603 - poppler's pdftotext with fixed arguments
        [_tool("pdftotext"), "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    found = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', html)
    return [float(y2) - float(y1) for y1, y2, word in found if re.fullmatch(pattern, word)]


def word_right_edges(pdf: Path) -> list[tuple[int, float]]:
    """(page index, right edge in points) of every printed word."""
    html = subprocess.run(  # noqa: S603 - poppler's pdftotext with fixed arguments
        [_tool("pdftotext"), "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    edges = []
    for index, page in enumerate(html.split("<page ")[1:]):
        edges += [(index, float(x)) for x in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', page)]
    return edges


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Width and height (points) of each page."""
    info = subprocess.run(  # noqa: S603 - poppler's pdfinfo with fixed arguments
        [_tool("pdfinfo"), "-l", "999", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
