from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from dangjian.core.api import ScopedReadOnlyViewSet

from ..filtersets import MemberFilterSet
from ..models import Member
from ..sensitive import can_unmask, record_unmask, record_unmask_refused
from .serializers import MemberSerializer

UNMASK_PARAMETER = OpenApiParameter(
    "unmask",
    OpenApiTypes.BOOL,
    description="为 true 时返回公民身份号码和联系电话的明文；需要“查看明文”权限，每个返回的党员记入审计日志。",
)
CHANNEL = "接口"


@extend_schema_view(
    list=extend_schema(parameters=[UNMASK_PARAMETER]), retrieve=extend_schema(parameters=[UNMASK_PARAMETER])
)
class MemberViewSet(ScopedReadOnlyViewSet):
    """Members in the caller's scope. Filter by organization (with its subtree), status, flags; `search` by name.

    ID number and phone are masked; `?unmask=1` shows them in clear to holders of the permission, audited per member."""

    queryset = Member.objects.select_related("org").order_by("org__path", "id")
    serializer_class = MemberSerializer
    filterset_class = MemberFilterSet
    search_fields = ["name"]

    def unmask_requested(self) -> bool:
        return self.request.query_params.get("unmask", "").lower() in ("1", "true", "yes")

    def get_serializer_context(self):
        return super().get_serializer_context() | {"unmask": self.unmask_requested()}

    def refuse_unless_allowed(self, member=None) -> None:
        if self.unmask_requested() and not can_unmask(self.request.user):
            record_unmask_refused(actor=self.request.user, channel=CHANNEL, member=member)
            raise PermissionDenied("您没有查看明文的权限。")

    def list(self, request, *args, **kwargs):
        self.refuse_unless_allowed()
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        members = list(page if page is not None else queryset)
        data = self.get_serializer(members, many=True).data
        if self.unmask_requested():
            record_unmask(members, actor=request.user, channel=CHANNEL)
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()  # out of scope is 404 before any permission question
        self.refuse_unless_allowed(member)
        data = self.get_serializer(member).data
        if self.unmask_requested():
            record_unmask([member], actor=request.user, channel=CHANNEL)
        return Response(data)
