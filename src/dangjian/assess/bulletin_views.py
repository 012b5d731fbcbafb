"""The annual assessment bulletin's download (`assess:bulletin`): the organizing department's document, written
from the published results; anyone else, and any assessment not yet published, gets 404. Audited as an export."""

from __future__ import annotations

import io

from django.http import FileResponse, Http404
from django.views import View

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.core.views import ScopedViewMixin
from dangjian.sheets.export import private

from .access import can_manage
from .bulletin import bulletin_data, write_docx
from .models import Assessment

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class AssessmentBulletinView(ScopedViewMixin, View):
    model = Assessment

    def get(self, request, pk):
        assessment = self.get_object_or_404(pk)
        if not can_manage(request.user, assessment):
            raise Http404("未找到该记录，或它不在您的数据范围内。")
        if not assessment.published:
            raise Http404("考核结果尚未发布，发布后才能生成通报。")
        data = bulletin_data(assessment, request.user)
        out = io.BytesIO()
        write_docx(data, out)
        out.seek(0)
        record(
            AuditAction.EXPORT,
            actor=request.user,
            org=assessment.root,
            detail=f"{data.title}（.docx）；参评组织 {data.total} 个，软弱涣散 {len(data.weak)} 个",
        )
        return private(FileResponse(out, as_attachment=True, filename=data.filename, content_type=DOCX_TYPE))
