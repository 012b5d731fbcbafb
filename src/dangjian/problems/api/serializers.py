"""What the problem API shows: each problem with its level, owner, deadline, state and how it was closed."""

from rest_framework import serializers

from ..models import Problem


class ProblemSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    responsible_org_name = serializers.CharField(source="responsible_org.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    solved_level_display = serializers.CharField(source="get_solved_level_display", read_only=True)
    overdue = serializers.SerializerMethodField(help_text="办理中且已过办结时限")

    class Meta:
        model = Problem
        fields = [
            "id",
            "title",
            "detail",
            "category",
            "category_display",
            "org_code",
            "org_name",
            "level",
            "level_display",
            "responsible_org_name",
            "owner_name",
            "deadline",
            "status",
            "status_display",
            "overdue",
            "escalation_level",
            "source",
            "source_display",
            "source_ref",
            "recorded_on",
            "submitted_at",
            "result",
            "closed_on",
            "closing_opinion",
            "solved_level",
            "solved_level_display",
        ]

    def get_overdue(self, obj: Problem) -> bool:
        return obj.is_overdue(self.context["today"])
