"""What the assessment API shows and takes: assessments, schemes, results with their explanation, one entry."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..engine import DOMAIN_LABELS
from ..models import Assessment, Entry, Result, SchemeRecord


class AssessmentSerializer(serializers.ModelSerializer):
    root_code = serializers.CharField(source="root.code", read_only=True)
    root_name = serializers.CharField(source="root.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "title",
            "year",
            "scheme",
            "status",
            "status_display",
            "root_code",
            "root_name",
            "cutoff",
            "review_weight",
            "digest",
            "run_at",
            "published_at",
        ]


class SchemeSerializer(serializers.ModelSerializer):
    owner_code = serializers.CharField(source="owner.code", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)

    class Meta:
        model = SchemeRecord
        fields = ["id", "year", "name", "owner_code", "owner_name", "created_at", "updated_at"]


class SchemeDetailSerializer(SchemeSerializer):
    """With the scheme's YAML text, the file that defines it (the format: docs/assessment.md)."""

    class Meta(SchemeSerializer.Meta):
        fields = [*SchemeSerializer.Meta.fields, "text"]


def _texts(label: str):
    return serializers.ListField(child=serializers.CharField(), read_only=True, label=label)


class ResultSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="participant.code", read_only=True)
    name = serializers.CharField(source="participant.name", read_only=True)
    domain = serializers.CharField(source="participant.domain", read_only=True)
    domain_display = serializers.SerializerMethodField()
    grade_display = serializers.CharField(source="grade_label", read_only=True)
    reasons = _texts("列入原因")
    problems = _texts("问题类型")
    consequences = _texts("后果")

    class Meta:
        model = Result
        fields = [
            "code",
            "name",
            "domain",
            "domain_display",
            "group",
            "total",
            "rank",
            "reverse_rank",
            "grade",
            "grade_display",
            "weak",
            "reasons",
            "problems",
            "consequences",
            "combined",
        ]

    def get_domain_display(self, result: Result) -> str:
        return DOMAIN_LABELS.get(result.participant.domain, result.participant.domain)


class ResultLineSerializer(serializers.Serializer):
    """One indicator's line: the points the run stored (`Result.cents`) and where they came from (`Result.lines`)."""

    code = serializers.CharField(label="指标编码")
    name = serializers.CharField(label="指标名称")
    category = serializers.CharField(label="类别")
    method = serializers.CharField(label="计分方式")
    max = serializers.DecimalField(max_digits=7, decimal_places=2, label="满分")
    points = serializers.DecimalField(max_digits=7, decimal_places=2, label="得分")
    source = serializers.CharField(label="得分来源")


class ResultDetailSerializer(ResultSerializer):
    """One organization's explanation: its place in the snapshot, the parts of its total and every line."""

    parent_code = serializers.CharField(source="participant.parent_code", read_only=True)
    parent_name = serializers.CharField(source="participant.parent_name", read_only=True)
    grade_reasons = _texts("定等原因")
    lines = ResultLineSerializer(many=True, read_only=True)

    class Meta(ResultSerializer.Meta):
        fields = [
            *ResultSerializer.Meta.fields,
            "parent_code",
            "parent_name",
            "base",
            "bonus",
            "penalty",
            "grade_reasons",
            "lines",
        ]


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}], "nullable": True})
class EntryValueField(serializers.Field):
    """What a rater enters as the form would take it: points, a count, 是/否 (JSON true/false too); blank removes."""

    def to_internal_value(self, data):
        if data is None:
            return ""
        if isinstance(data, bool):
            return "是" if data else "否"
        if isinstance(data, int | float | str):
            text = str(data)
            if len(text) > 20:
                raise serializers.ValidationError("录入值过长。")
            return text
        raise serializers.ValidationError("录入值应为数字、次数或“是/否”。")

    def to_representation(self, value):
        return value


class EntryInputSerializer(serializers.Serializer):
    participant = serializers.CharField(max_length=40, label="组织编码")
    indicator = serializers.CharField(max_length=40, label="指标编码")
    value = EntryValueField(label="录入值", required=True, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="", label="说明")


class EntrySerializer(serializers.ModelSerializer):
    participant = serializers.CharField(source="participant.code", read_only=True)

    class Meta:
        model = Entry
        fields = ["id", "participant", "indicator", "points", "count", "flag", "note", "entered_at"]
