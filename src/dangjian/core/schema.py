"""The API schema (/api/schema/) says every status the API answers with, not only the success.

drf-spectacular documents the 200 of each operation; the API also answers 400 (a filter, page number or body it
refuses, `core.params`), 401 (no or a refused token), 403 (a right the caller lacks, e.g. clear values), 404 (missing,
out of scope, or a page past the last) and, on the token endpoint, 429 (rate limit or lockout). A client generated
from the schema, and the schemathesis run in tests/test_attack_schema.py, rely on that list being whole.
"""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import AllowAny

ERROR_SCHEMA = {
    "type": "object",
    "description": "出错说明（中文）：detail，或按参数、字段列出的出错原因。",
    "properties": {
        "detail": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    },
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
DESCRIPTIONS = {
    "400": "请求有误：参数、页码或提交的内容不符合要求",
    "401": "未登录，或令牌无效、已停用",
    "403": "没有该项权限",
    "404": "未找到，或不在您的数据范围内；页码超出末页",
    "429": "尝试过于频繁，或账号已被锁定",
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema with the error answers of each operation, all in one shape (`Error`)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, schema=ERROR_SCHEMA, object="dangjian.core.schema.Error"
        )
        self.registry.register_on_missing(error)
        for code in self.error_codes():
            responses.setdefault(
                code, {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": error.ref}}}
            )
        return responses

    def error_codes(self) -> list[str]:
        """An open view (the token endpoint) is never 401 and looks nothing up; a throttled one may be 429."""
        anonymous = not self.view.authentication_classes or all(
            permission is AllowAny for permission in self.view.permission_classes
        )
        codes = ["400", "403"] if anonymous else ["400", "401", "403", "404"]
        if self.view.throttle_classes:
            codes.append("429")
        return codes
