"""Importing organizations: upsert by organization code, row by row through the organization services.

Organizations go through `create_org` / `update_org` / `move_org` themselves, so the tree rules of
`orgs.rules` (a child's kind fits its parent, no cycles), the in-transaction scope checks and the audit
records are exactly those of the forms. Rows are applied in file order inside the import's transaction, so a
row may name as its parent an organization created a few rows above; the whole transaction is rolled back
if any row is bad. (Organization lists are counted in thousands, not the hundred thousands of members.)
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from dangjian.core.normalize import code as normalized_code
from dangjian.core.scope import ALL, Action, scope_paths
from dangjian.core.services import OutOfScope
from dangjian.orgs.models import Organization, VerticalSystem
from dangjian.orgs.services import ORG_FIELDS, create_org, move_org, update_org
from dangjian.rulebook.book import Book

from .columns import COLUMNS, OUT_OF_SCOPE
from .imports import ImportReport, Row, allowed, cell_message

NOT_FOUND = "组织编码“{code}”不存在或不在您的管理范围内"
# Blank cells that leave an existing organization's value alone (on create the model's default applies).
KEEP_WHEN_BLANK = {
    "term_years",
    "committee_seats",
    "staff_total",
    "party_staff_fulltime",
    "party_staff_parttime",
    "unit_count",
    "has_discipline_committee",
    "activity_funds",
}
LINE_PARENT_HIDDEN = normalized_code(OUT_OF_SCOPE)  # as the code column reads the export's words back
REFERENCES = {"system": "system_name", "system_parent": "system_parent_code", "parent": "parent_code"}


class OrgImporter:
    def __init__(self, user, report: ImportReport) -> None:
        self.user = user
        self.report = report
        self.columns = {c.field: c for c in COLUMNS["orgs"]}
        self.seen: dict[str, int] = {}
        self.book: Book | None = None

    def fail(self, row: Row, field: str, message: str) -> None:
        row.errors.append(message)
        column = self.columns.get(REFERENCES.get(field, field), "")
        self.report.add_error(row.number, cell_message(row.number, column, message))

    def process(self, rows: list[Row]) -> None:
        for row in rows:
            code = row.values.get("code")
            if code:
                first = self.seen.setdefault(code, row.number)
                if first != row.number:
                    self.fail(row, "code", f"与第 {first} 行的组织编码重复")
            if not row.errors:
                self._one(row)

    def finish(self) -> None:
        pass

    # -- references by code or name, resolved within the user's scope --------------------------------------

    def _org(self, code: str, action: str) -> Organization | None:
        org = Organization.objects.filter(code=code).first()
        if org is None or not allowed(self.user, org.path, action):
            return None
        return org

    def _fields(self, row: Row) -> dict | None:
        """The row's model fields, references resolved; None after reporting a reference that cannot be used."""
        values = row.values
        fields = {name: values[name] for name in ORG_FIELDS if name in values}
        if "system_name" in values:
            fields["system"] = None
            if values["system_name"]:
                visible = (
                    VerticalSystem.objects.all() if self.user is None else VerticalSystem.objects.restrict(self.user)
                )
                systems = list(visible.filter(name=values["system_name"])[:2])
                if len(systems) != 1:
                    self.fail(row, "system", f"垂直管理系统“{values['system_name']}”不存在或不在您的管理范围内")
                    return None
                fields["system"] = systems[0]
        if values.get("system_parent_code") == LINE_PARENT_HIDDEN:
            pass  # an export's word for a line parent outside the user's scope: keep it, as the user cannot name it
        elif "system_parent_code" in values:
            fields["system_parent"] = None
            if values["system_parent_code"]:
                fields["system_parent"] = self._org(values["system_parent_code"], Action.VIEW)
                if fields["system_parent"] is None:
                    self.fail(row, "system_parent", NOT_FOUND.format(code=values["system_parent_code"]))
                    return None
        return fields

    # -- one row --------------------------------------------------------------------------------------------

    def _one(self, row: Row) -> None:
        fields = self._fields(row)
        if fields is None:
            return
        existing = Organization.objects.filter(code=row.values["code"]).select_related("parent").first()
        try:
            if existing is None:
                self._create(row, fields)
            else:
                self._update(row, existing, fields)
        except ValidationError as exc:
            for field, messages in _messages(exc):
                for message in messages:
                    self.fail(row, field, message.rstrip("。"))
        except OutOfScope:
            self.fail(row, "code", "不在您的管理范围内")

    def _create(self, row: Row, fields: dict) -> None:
        parent_code = row.values.get("parent_code", "")
        parent = None
        if parent_code:
            parent = self._org(parent_code, Action.MANAGE)
            if parent is None:
                self.fail(row, "parent", NOT_FOUND.format(code=parent_code))
                return
        # raw paths: a new root lies under no grant; only a superuser's ALL may create one.
        elif self.user is not None and scope_paths(self.user, Action.MANAGE) is not ALL:
            self.fail(row, "parent", "新建组织必须填写上级组织编码")
            return
        fields = {name: value for name, value in fields.items() if value is not None or name not in KEEP_WHEN_BLANK}
        if self.book is None:  # the rules (a new organization's term) read once for the whole file
            self.book = Book.load()
        create_org(actor=self.user, parent=parent, book=self.book, **fields)
        self.report.created += 1

    def _update(self, row: Row, org: Organization, fields: dict) -> None:
        if not allowed(self.user, org.path, Action.CHANGE):
            # Never say whether it exists elsewhere: the same words as for a code that is nowhere.
            self.fail(row, "code", f"组织编码“{org.code}”已被使用或不在您的管理范围内")
            return
        changes = {}
        for name, value in fields.items():
            if value is None and name in KEEP_WHEN_BLANK:
                continue
            field = Organization._meta.get_field(name)
            current = getattr(org, field.attname)
            new = value.pk if field.is_relation and value is not None else value
            if current != new:
                changes[name] = value
        moved = False
        parent_code = row.values.get("parent_code", "")
        if parent_code and (org.parent is None or org.parent.code != parent_code):
            parent = self._org(parent_code, Action.MANAGE)
            if parent is None:
                self.fail(row, "parent", NOT_FOUND.format(code=parent_code))
                return
            org = move_org(org, parent, actor=self.user)
            moved = True
        if changes:
            update_org(org, actor=self.user, **changes)
        if changes or moved:
            self.report.updated += 1
        else:
            self.report.unchanged += 1


def _messages(exc: ValidationError) -> list[tuple[str, list[str]]]:
    if hasattr(exc, "error_dict"):
        return [(field if field != "__all__" else "", messages) for field, messages in exc.message_dict.items()]
    return [("", exc.messages)]
