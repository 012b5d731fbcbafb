"""A sheet's column and the types of its values, apart from the models: a reader process (`sheets.fast.reader`) parses
cells with them without loading Django's apps. The columns of each list are `columns.py`'s."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

# Value types: how a cell is normalized and checked (see normalize.py).
TEXT = "text"
NAME = "name"  # a person's name: inner spaces typed to align two-character names are dropped
CODE = "code"
CHOICE = "choice"
DATE = "date"
INT = "int"
DECIMAL = "decimal"
BOOL = "bool"
ID_NUMBER = "id_number"
PHONE = "phone"

BOOL_CHOICES = (("1", "是"), ("0", "否"))
# An export's reference to an organization outside the user's scope, as the organization page words it; an import
# reading it back leaves that reference as it is.
OUT_OF_SCOPE = "（数据范围外）"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its Chinese header and how its cells map onto the model."""

    header: str
    field: str  # model field name, or a reference such as "parent_code" resolved by the importer
    type: str = TEXT
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (stored value, Chinese label); the label is what people type
    note: str = ""
    sensitive: bool = False  # masked in exports unless the user may see clear values
    max_length: int | None = None
    example: Any = ""
    aliases: tuple[str, ...] = ()  # other headers people use for the same column

    @property
    def labels(self) -> list[str]:
        return [label for _value, label in self.choices]


def header_key(text: str) -> str:
    """How headers are compared: full-width folded, spaces and required-markers dropped, case ignored."""
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc"))
    text = text.replace("(必填)", "").replace("必填", "").strip("*")
    return text.lower()
