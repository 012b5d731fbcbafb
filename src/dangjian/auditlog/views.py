"""The auditor's pages (审计管理员): search, read and export the audit log, check its chain. Nothing here changes data.

Anyone without the auditor duty gets 404, as if the pages did not exist. Records are limited by
`AuditLog.objects.restrict` through `ScopedViewMixin`. Reading is not audited (it would flood the log);
exporting and checking the chain are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from dangjian.accounts.duties import Duty, has_duty
from dangjian.core.audit import record
from dangjian.core.audit_verify import verify_chain
from dangjian.core.changesets import changeset_of, check_changeset, path_of, read_rows
from dangjian.core.models import AuditAction, AuditLog
from dangjian.core.paging import CappedPaginator, page_of
from dangjian.core.scope import Action, acts_anywhere
from dangjian.core.views import ScopedViewMixin
from dangjian.orgs.models import Organization
from dangjian.sheets.export import ExportTooLarge, describe_filters, export_response

from .filtersets import AuditLogFilterSet

PAGE_SIZE = 50
NOT_FOUND = "未找到该页面。"


class AuditorViewMixin(ScopedViewMixin):
    """Login required; then 404 for anyone who is not an auditor (a method the view lacks still answers 405)."""

    model = AuditLog

    def dispatch(self, request, *args, **kwargs):
        handled = request.method.lower() in self.http_method_names and hasattr(self, request.method.lower())
        if request.user.is_authenticated and handled and not has_duty(request.user, Duty.AUDITOR):
            raise Http404(NOT_FOUND)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        if audits_everything(self.request.user):
            return AuditLog.objects.all()
        return super().get_queryset()

    def get_object_or_404(self, pk, action: str | None = None):
        if audits_everything(self.request.user):
            entry = AuditLog.objects.filter(pk=pk).first() if str(pk).isdigit() else None
            if entry is None:
                raise Http404("未找到该记录，或它不在您的数据范围内。")
            return entry
        return super().get_object_or_404(pk, action)

    def filterset(self) -> AuditLogFilterSet:
        return AuditLogFilterSet(
            self.request.GET,
            queryset=self.get_queryset(),
            user=self.request.user,
            everything=audits_everything(self.request.user),
        )


def audits_everything(user) -> bool:
    """An auditor granted no organization audits the whole installation: the audit duty is not a data scope
    (accounts/duties.py), and the auditor `dangjian setup-admins` makes holds no grant, so it reads every row without
    being handed anyone's data. An auditor granted organizations (a county's) reads only theirs
    (`AuditLog.objects.restrict`). Only ever asked of a user already known to hold the auditor duty."""
    return has_duty(user, Duty.AUDITOR) and not acts_anywhere(user, Action.VIEW)


def with_org_names(rows: Iterable[AuditLog], chunk: int = 2000) -> Iterator[AuditLog]:
    """Attach `org_name` (the organization's name today, by the id recorded) to each row, one query per chunk."""

    def named(batch: list[AuditLog]) -> list[AuditLog]:
        ids = {row.org_id_snapshot for row in batch if row.org_id_snapshot}
        names = dict(Organization.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
        for row in batch:
            org_id = row.org_id_snapshot
            row.org_name = names.get(org_id, f"（已删除的组织 {org_id}）") if org_id else ""
        return batch

    batch: list[AuditLog] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            yield from named(batch)
            batch = []
    yield from named(batch)


class AuditLogListView(AuditorViewMixin, View):
    """Search the audit log; the chain status is computed only when asked (AuditVerifyView)."""

    def get(self, request):
        return self.render_list(request)

    def render_list(self, request, verification=None):
        filterset = self.filterset()
        paginator = CappedPaginator(filterset.qs.order_by("-seq"), PAGE_SIZE)
        page = page_of(paginator, request)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "audit/list.html",
            {
                "filter": filterset,
                "page": page,
                "rows": list(with_org_names(page.object_list)),
                "query": query.urlencode(),
                "verification": verification,
            },
        )


class AuditVerifyView(AuditLogListView):
    """The chain status box's button: walk the whole chain now and show the outcome above the same search."""

    def get(self, request):
        return self.http_method_not_allowed(request)

    def post(self, request):
        result = verify_chain()
        record(AuditAction.AUDIT_VERIFY, actor=request.user, success=result.ok, detail=f"页面校验：{result.summary()}")
        return self.render_list(request, verification=result)


MISSING = object()


def _shown(value: Any) -> str:
    if value is MISSING:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def diff_rows(before: Any, after: Any) -> list[dict[str, Any]]:
    """Before and after side by side, one line per field, changed fields marked; fields in their first order."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        if before is None and after is None:
            return []
        before = {"值": before} if not isinstance(before, dict) else before
        after = {"值": after} if not isinstance(after, dict) else after
    keys = list(before) + [key for key in after if key not in before]
    lines = []
    for key in keys:
        old, new = before.get(key, MISSING), after.get(key, MISSING)
        lines.append({"field": key, "before": _shown(old), "after": _shown(new), "changed": old != new})
    return lines


class AuditLogDetailView(AuditorViewMixin, View):
    def get(self, request, pk):
        entry = next(with_org_names([self.get_object_or_404(pk)]))
        lines = diff_rows(entry.before or {}, entry.after or {}) if entry.before or entry.after else []
        context = {"entry": entry, "lines": lines, "changed": sum(1 for line in lines if line["changed"])}
        if (changeset := changeset_of(entry.after)) is not None:
            context.update(changeset=changeset, check=check_changeset(changeset), preview=changeset_preview(changeset))
        return render(request, "audit/detail.html", context)


PREVIEW_ROWS = 20


def changeset_preview(changeset: dict[str, Any]) -> list[dict[str, Any]]:
    """The first rows of an import's change set as the detail page lists them: member, organization, what changed."""
    rows = list(read_rows(changeset, PREVIEW_ROWS))
    names = dict(Organization.objects.filter(pk__in={row.get("org") for row in rows}).values_list("pk", "name"))
    shown = []
    for row in rows:
        before, after = row.get("before") or {}, row.get("after") or {}
        changed = [key for key in after if key not in ("updated_at", "created_at") and before.get(key) != after[key]]
        shown.append(
            {
                "id": row.get("id"),
                "action": "新增" if row.get("action") == "create" else "修改",
                "repr": row.get("repr", ""),
                "org": names.get(row.get("org"), f"（组织 {row.get('org')}）"),
                "changed": "、".join(changed) if before else "",
                "detail": row.get("detail", ""),
            }
        )
    return shown


class AuditChangeSetView(AuditorViewMixin, View):
    """Download an import's change set as it is stored (gzip'd JSON lines), for an auditor who may read the record;
    recorded as EXPORT. A record without a change set, or whose file is gone, is 404."""

    def get(self, request, pk):
        entry = self.get_object_or_404(pk)
        changeset = changeset_of(entry.after)
        if changeset is None:
            raise Http404(NOT_FOUND)
        try:
            path = path_of(changeset.get("file"))
            handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
        except (ValueError, OSError):
            raise Http404("变更集文件缺失。") from None
        org = Organization.objects.filter(pk=entry.org_id_snapshot).first() if entry.org_id_snapshot else None
        record(
            AuditAction.EXPORT,
            actor=request.user,
            org=org,
            detail=f"下载导入变更集：审计日志第 {entry.seq} 条，{changeset.get('rows')} 行（{changeset.get('file')}）",
        )
        return FileResponse(
            handle, as_attachment=True, filename=f"导入变更集-第{entry.seq}条.jsonl.gz", content_type="application/gzip"
        )


COLUMNS = [
    ("序号", lambda r: r.seq),
    ("时间", lambda r: r.at),
    ("用户", lambda r: r.username),
    ("地址", lambda r: r.ip),
    ("操作", lambda r: r.get_action_display()),
    ("结果", lambda r: "成功" if r.success else "失败"),
    ("对象类型", lambda r: r.object_type),
    ("对象编号", lambda r: r.object_id),
    ("对象", lambda r: r.object_repr),
    ("组织", lambda r: r.org_name),
    ("说明", lambda r: r.detail),
    ("修改前", lambda r: _shown(r.before) if r.before is not None else ""),
    ("修改后", lambda r: _shown(r.after) if r.after is not None else ""),
    ("请求编号", lambda r: r.request_id),
]


class AuditLogExportView(AuditorViewMixin, View):
    """The current search as .xlsx, through the one export helper, which records the EXPORT."""

    def get(self, request):
        filterset = self.filterset()
        qs = filterset.qs.order_by("-seq")
        back = redirect(f"{reverse('audit:list')}?{request.GET.urlencode()}")
        if not filterset.is_valid():
            messages.error(request, "筛选条件有误，请先改正再导出。")
            return back
        if filterset.unknown_org:
            messages.error(request, f"组织编码“{filterset.unknown_org}”不存在或不在您的数据范围内。")
            return back
        try:
            return export_response(
                request=request,
                title="审计日志",
                columns=COLUMNS,
                rows=with_org_names(qs.iterator(chunk_size=2000)),
                filename=f"审计日志-{timezone.localdate():%Y%m%d}",
                filters=describe_filters(filterset),
                org=filterset.org,
            )
        except ExportTooLarge as exc:
            messages.error(request, str(exc))
            return back
