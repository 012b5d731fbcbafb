"""Small previews of uploaded photos (ledger evidence): a JPEG of at most 240 px a side, made once on first request
and kept under DATA_DIR/thumbs, readable by the owner only like the uploads themselves. The view that serves one
decides who may see it (through the data scope); this module only makes the picture.

A file Pillow cannot read as an image (a HEIC photo, a damaged file, one past Pillow's decompression-bomb limit)
gets no thumbnail: the page shows its name instead."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps

from .files import FILE_MODE, private_dir

THUMB_PIXELS = 240
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")


def is_image(name: str) -> bool:
    """Whether a file of this name is a picture a thumbnail can be made of (by its checked extension)."""
    return Path(name or "").suffix.lower() in IMAGE_SUFFIXES


def thumbnail(field_file, key: str) -> Path | None:
    """The thumbnail of `field_file` (a FieldFile), named by `key` (unique per file, e.g. "ledger-17"); made now if
    missing. None when the file is gone or not a readable image."""
    folder = private_dir(Path(settings.DATA_DIR) / "thumbs")
    target = folder / f"{key}.jpg"
    if target.exists():
        return target
    partial = target.with_suffix(".part")
    try:
        with field_file.open("rb") as handle, Image.open(handle) as image:
            image.draft("RGB", (THUMB_PIXELS, THUMB_PIXELS))  # a JPEG decodes at a fraction of its size
            small = ImageOps.exif_transpose(image)  # upright, as the phone held it
            small.thumbnail((THUMB_PIXELS, THUMB_PIXELS))
            small.convert("RGB").save(partial, "JPEG", quality=80)
    except (OSError, ValueError, Image.DecompressionBombError):
        partial.unlink(missing_ok=True)
        return None
    partial.chmod(FILE_MODE)
    partial.replace(target)
    return target
