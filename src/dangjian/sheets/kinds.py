"""Import kinds added by the apps above this one (the record-keeping areas): their columns, their title and their
importer join the framework's own (`orgs`, `members`), so `dangjian import KIND FILE`, the templates and the import
core treat them alike. An app registers its kind once, from its AppConfig.ready(); sheets never imports those apps.

An importer is a class taking `(user, report)` with `process(rows)` and `finish()`, like `import_orgs.OrgImporter`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .columns import COLUMNS, TITLES, Column

IMPORTERS: dict[str, Callable] = {}


def register_kind(kind: str, title: str, columns: Sequence[Column], importer: Callable) -> None:
    """Add an import kind; registering the same kind again (a test's reload) replaces it."""
    if kind in ("orgs", "members"):
        raise ValueError(f"import kind {kind!r} is the framework's own")
    COLUMNS[kind] = list(columns)
    TITLES[kind] = title
    IMPORTERS[kind] = importer
