"""The organization and member registers (名册) as export columns: the import's own columns, so an exported
sheet can be edited and imported back. Values are written the way people type them: choice labels, 是/否."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dangjian.core.crypto import mask_id_number, mask_phone
from dangjian.core.scope import path_in_scope

from .columns import BOOL, CHOICE, COLUMNS, ID_NUMBER, OUT_OF_SCOPE, PHONE, Column

# Columns that name a related object by its code or name rather than a field of the row itself.
REFERENCES: dict[str, Callable[[Any], Any]] = {
    "parent_code": lambda o: o.parent.code if o.parent_id else "",
    "system_name": lambda o: o.system.name if o.system_id else "",
    "org_code": lambda m: m.org.code,
}
MASKS = {ID_NUMBER: mask_id_number, PHONE: mask_phone}


def _line_parent_code(user) -> Callable[[Any], Any]:
    """The business-line parent's code only when that organization is in the user's scope; otherwise the words the
    organization page shows. A unit in scope may answer to a bureau outside it (a county bureau to the city's), and
    its code would tell that organization exists and what it is called."""

    def code(org) -> str:
        if not org.system_parent_id:
            return ""
        return org.system_parent.code if path_in_scope(user, org.system_parent.path) else OUT_OF_SCOPE

    return code


def _getter(column: Column, unmasked: bool, user=None) -> Callable[[Any], Any]:
    if column.field == "system_parent_code":
        return _line_parent_code(user)
    if column.field in REFERENCES:
        return REFERENCES[column.field]
    name = column.field
    if column.type == BOOL:
        return lambda row: "是" if getattr(row, name) else "否"
    if column.type == CHOICE or column.choices:
        labels = dict(column.choices)
        return lambda row: labels.get(str(getattr(row, name)), getattr(row, name)) if getattr(row, name) else ""
    if column.sensitive and not unmasked:
        mask = MASKS.get(column.type, lambda value: "*" * len(value))
        return lambda row: mask(getattr(row, name) or "")
    return lambda row: getattr(row, name)


def register_columns(kind: str, *, unmasked: bool = False, user=None) -> list[tuple[str, Callable[[Any], Any]]]:
    """(header, getter) for every import column of `kind`; sensitive ones masked unless `unmasked`; references to
    organizations outside `user`'s scope shown as such."""
    return [(column.header, _getter(column, unmasked, user)) for column in COLUMNS[kind]]


def org_columns(*, user) -> list[tuple[str, Callable[[Any], Any]]]:
    return register_columns("orgs", user=user)


ORG_NAME_HEADER = "所在党组织名称"


def member_columns(*, unmasked: bool) -> list[tuple[str, Callable[[Any], Any]]]:
    """The member columns, with the organization's name beside its code: a person reads the name. The import
    ignores the extra column, so the sheet still goes back in as it came out."""
    columns = register_columns("members", unmasked=unmasked)
    at = next(i for i, column in enumerate(COLUMNS["members"]) if column.field == "org_code") + 1
    columns.insert(at, (ORG_NAME_HEADER, lambda m: m.org.name))
    return columns
