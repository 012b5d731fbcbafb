"""Checklists as data (检查清单): per owner, domain and year; the shipped examples ([004]'s "十有" venue standard and
"20项党建内业", and [003]'s workstation list) in `examples/*.yaml`, loaded by `dangjian inspect load-checklists` or
the demo; edited on the checklist page while unused, copied to a new year as the next version.

The item text of an edit is one item per line, "检查项目｜检查要点" (the ASCII bar works too).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope
from dangjian.orgs.choices import Domain
from dangjian.orgs.models import Organization

from .choices import STATION_DOMAIN
from .models import Checklist, ChecklistItem, VisitItem
from .services import attempt

EXAMPLES = Path(__file__).parent / "examples"
DOMAINS = {**dict(Domain.choices), STATION_DOMAIN: "党建工作站"}
USED = "该清单已用于督导记录，不能修改；请复制为新年度版本后修改。"
DUPLICATE = "同一单位同一年度已有该代码的清单。"


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.yaml"))


def parse_items(text: str) -> list[tuple[str, str]]:
    items = []
    for line in (text or "").splitlines():
        title, _, guidance = line.replace("|", "｜").partition("｜")
        if title.strip():
            items.append((title.strip()[:200], guidance.strip()[:1000]))
    return items


def items_text(checklist: Checklist) -> str:
    return "\n".join(f"{i.title}｜{i.guidance}" if i.guidance else i.title for i in checklist.items.all())


def is_used(checklist: Checklist) -> bool:
    return VisitItem.objects.filter(source_item__checklist=checklist).exists()


def _check(year: int, code: str, name: str, domains: list[str], items: list[tuple[str, str]]) -> None:
    errors = {}
    if not 2000 <= int(year or 0) <= 2100:
        errors["year"] = "年度应在 2000 到 2100 之间。"
    if not (code or "").strip():
        errors["code"] = "请填写清单代码。"
    if not (name or "").strip():
        errors["name"] = "请填写清单名称。"
    unknown = [d for d in domains if d not in DOMAINS]
    if unknown:
        errors["domains"] = f"未知的党建类型：{'、'.join(unknown)}。"
    if not items:
        errors["items"] = "清单至少要有一个检查项目。"
    if errors:
        raise ValidationError(errors)


def _write_items(checklist: Checklist, items: list[tuple[str, str]]) -> None:
    checklist.items.all().delete()
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(checklist=checklist, number=n, title=title, guidance=guidance)
            for n, (title, guidance) in enumerate(items, start=1)
        ]
    )


def _snapshot(checklist: Checklist) -> dict:
    return {
        "year": checklist.year,
        "code": checklist.code,
        "name": checklist.name,
        "domains": checklist.domains,
        "items": [i.title for i in checklist.items.all()],
    }


@attempt(AuditAction.CREATE, "新建检查清单")
def create_checklist(
    owner: Organization, *, actor, year: int, code: str, name: str, domains=(), items: str = "", source: str = ""
) -> Checklist:
    ensure_in_scope(actor, owner.path, Action.MANAGE)
    parsed, domains = parse_items(items), list(domains)
    _check(year, code, name, domains, parsed)
    if Checklist.objects.filter(owner=owner, year=year, code=code.strip()).exists():
        raise ValidationError({"code": DUPLICATE})
    checklist = Checklist.objects.create(
        owner=owner, year=year, code=code.strip()[:40], name=name.strip()[:200], domains=domains, source=source[:500]
    )
    _write_items(checklist, parsed)
    record(AuditAction.CREATE, actor=actor, obj=checklist, org=owner, after=_snapshot(checklist), detail="检查清单")
    return checklist


@attempt(AuditAction.UPDATE, "修改检查清单")
def update_checklist(
    checklist: Checklist, *, actor, name: str, domains=(), items: str = "", source: str = ""
) -> Checklist:
    checklist = Checklist.objects.select_for_update().select_related("owner").get(pk=checklist.pk)
    ensure_in_scope(actor, checklist.owner.path, Action.MANAGE)
    if is_used(checklist):
        raise ValidationError(USED)
    parsed, domains = parse_items(items), list(domains)
    _check(checklist.year, checklist.code, name, domains, parsed)
    before = _snapshot(checklist)
    checklist.name, checklist.domains, checklist.source = name.strip()[:200], domains, (source or "")[:500]
    checklist.save()
    _write_items(checklist, parsed)
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=checklist,
        org=checklist.owner,
        before=before,
        after=_snapshot(checklist),
        detail="检查清单",
    )
    return checklist


@attempt(AuditAction.CREATE, "复制检查清单为新年度版本")
def copy_checklist(checklist: Checklist, *, actor, year: int) -> Checklist:
    ensure_in_scope(actor, checklist.owner.path, Action.MANAGE)
    items = [(i.title, i.guidance) for i in checklist.items.all()]
    _check(year, checklist.code, checklist.name, checklist.domains, items)
    if Checklist.objects.filter(owner=checklist.owner, year=year, code=checklist.code).exists():
        raise ValidationError({"year": DUPLICATE})
    try:
        with transaction.atomic():
            copy = Checklist.objects.create(
                owner=checklist.owner,
                year=year,
                code=checklist.code,
                name=checklist.name,
                domains=checklist.domains,
                source=checklist.source,
            )
    except IntegrityError as exc:  # a concurrent copy of the same year
        raise ValidationError({"year": DUPLICATE}) from exc
    _write_items(copy, items)
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=copy,
        org=checklist.owner,
        after=_snapshot(copy),
        detail=f"由 {checklist.year} 年度版本复制",
    )
    return copy


def load_examples(owner: Organization, *, actor, year: int) -> list[Checklist]:
    """The shipped checklists for `owner` and `year`; those already there (same code) are left as they are."""
    loaded = []
    for path in example_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if Checklist.objects.filter(owner=owner, year=year, code=data["code"]).exists():
            continue
        text = "\n".join(f"{i['title']}｜{i.get('guidance', '')}" for i in data["items"])
        loaded.append(
            create_checklist(
                owner,
                actor=actor,
                year=year,
                code=data["code"],
                name=data["name"],
                domains=data.get("domains") or [],
                items=text,
                source=data.get("source", ""),
            )
        )
    return loaded
