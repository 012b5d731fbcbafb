"""The assessment API: assessments and schemes in the caller's scope, published results, and raters' entries.

Results follow the pages' rule (`access.results_visible`): the organizing department sees them from the first run,
everyone else only once published and only for the organizations in their scope; before that the route is 404.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from dangjian.core.api import ScopedReadOnlyViewSet
from dangjian.core.scope import Action

from .. import services
from ..access import rateable, results_visible
from ..models import Assessment, Result, SchemeRecord
from .filtersets import AssessmentFilterSet, ResultFilterSet
from .serializers import (
    AssessmentSerializer,
    EntryInputSerializer,
    EntrySerializer,
    ResultDetailSerializer,
    ResultSerializer,
    SchemeDetailSerializer,
    SchemeSerializer,
)

NOT_FOUND = "未找到该记录，或它不在您的数据范围内。"


def get_assessment_for_user(user, pk) -> Assessment:
    """The assessment if the user may see it; missing and out of scope are the same 404."""
    assessment = Assessment.objects.restrict(user, Action.VIEW).select_related("root", "scheme").filter(pk=pk).first()
    if assessment is None:
        raise Http404(NOT_FOUND)
    return assessment


class AssessmentViewSet(ScopedReadOnlyViewSet):
    """Assessments the caller runs or is assessed by. Filter by `year` and `status`."""

    queryset = Assessment.objects.select_related("root").order_by("-year", "-id")
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilterSet
    search_fields = ["title"]


class SchemeViewSet(ScopedReadOnlyViewSet):
    """Schemes owned by organizations in the caller's scope; the detail carries the YAML text."""

    queryset = SchemeRecord.objects.select_related("owner").order_by("-year", "name", "id")
    search_fields = ["name"]

    def get_serializer_class(self):
        return SchemeDetailSerializer if self.action == "retrieve" else SchemeSerializer


class ResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """An assessment's results the caller may see, by group and rank; one organization's by its code, with lines.

    Filter by `domain`, `group`, `grade`, `weak`; `search` by organization name."""

    serializer_class = ResultSerializer
    filterset_class = ResultFilterSet
    search_fields = ["participant__name", "=participant__code"]
    lookup_field = "participant__code"
    lookup_url_kwarg = "code"
    lookup_value_regex = "[^/]+"

    def get_serializer_class(self):
        return ResultDetailSerializer if self.action == "retrieve" else ResultSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator needs only the model
            return Result.objects.none()
        assessment = get_assessment_for_user(self.request.user, self.kwargs["assessment_pk"])
        if not results_visible(self.request.user, assessment):
            raise Http404("考核结果尚未发布。")
        # The one place this view restricts: Result reaches its organization through the participant's path.
        return (
            Result.objects.filter(participant__assessment=assessment)
            .restrict(self.request.user, Action.VIEW)
            .select_related("participant")
            .order_by("group", "rank", "participant__code")
        )


class EntryCreateView(APIView):
    """A rater's entry for one indicator of one organization, as on the entry pages (`services.enter`)."""

    @extend_schema(
        request=EntryInputSerializer,
        responses={
            201: EntrySerializer,
            204: OpenApiResponse(description="录入值为空：已删除本人对该项的录入"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="录入值、组织或指标不符合要求（中文说明）"),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="考核不存在或不在您的数据范围内"),
        },
    )
    def post(self, request, assessment_pk):
        assessment = get_assessment_for_user(request.user, assessment_pk)
        data = EntryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data["participant"].strip()
        # Raters score the organizations below them, never their own: the same set the entry grid offers.
        participant = rateable(request.user, assessment).filter(code=code).first()
        if participant is None:
            raise ApiValidationError({"participant": [f"组织编码“{code}”不在本次考核中，或不在您可评分的组织之内。"]})
        participant.assessment = assessment
        try:
            entry = services.enter(
                participant,
                data.validated_data["indicator"].strip(),
                data.validated_data["value"],
                actor=request.user,
                note=data.validated_data["note"],
            )
        except ValidationError as exc:
            raise ApiValidationError({"detail": exc.messages}) from None
        if entry is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)
