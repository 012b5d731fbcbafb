"""What the rectification API shows: cases with their progress; one case with its plan, supporters, funds, ledger
and history. Read-only: every change goes through the pages and their services."""

from django.urls import reverse
from rest_framework import serializers

from ..models import Case, CaseEvent, Fund, LedgerEntry, LedgerFile, Measure, Supporter


def _texts(label: str):
    return serializers.ListField(child=serializers.CharField(), read_only=True, label=label)


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


class CaseSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    reasons = _texts("列入原因")
    problems = _texts("问题类型")
    measures_total = serializers.IntegerField(read_only=True, label="整改措施数")
    measures_done = serializers.IntegerField(read_only=True, label="已完成")
    measures_overdue = serializers.IntegerField(read_only=True, label="逾期未完成")
    funds_total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, label="专项资金（元）")

    class Meta:
        model = Case
        fields = [
            "id",
            "year",
            "org_code",
            "org_name",
            "source",
            "source_display",
            "assessment",
            "reasons",
            "problems",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "deadline",
            "opened_at",
            "town_checked_at",
            "town_opinion",
            "closed_at",
            "closing_opinion",
            "rolled_from",
            "measures_total",
            "measures_done",
            "measures_overdue",
            "funds_total",
        ]


class LedgerFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = LedgerFile
        fields = ["id", "original_name", "url"]

    def get_url(self, obj: LedgerFile) -> str:
        return reverse("rectify:file", args=[obj.pk])


class LedgerEntrySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    files = LedgerFileSerializer(many=True, read_only=True)

    class Meta:
        model = LedgerEntry
        fields = ["id", "date", "content", "author", "created_at", "files"]

    def get_author(self, obj: LedgerEntry) -> str:
        return _person(obj.author)


class MeasureSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    entries = LedgerEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Measure
        fields = [
            "id",
            "problem",
            "action",
            "responsible",
            "deadline",
            "status",
            "status_display",
            "done_at",
            "escalation_level",
            "entries",
        ]


class SupporterSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Supporter
        fields = ["role", "role_display", "name", "unit", "notified_at"]


class FundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fund
        fields = ["id", "amount", "source", "purpose", "date"]


class CaseEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["kind", "kind_display", "note", "actor", "at"]

    def get_actor(self, obj: CaseEvent) -> str:
        return _person(obj.actor)


class CaseDetailSerializer(CaseSerializer):
    parent_name = serializers.CharField(source="org.parent.name", read_only=True, default="", label="上级组织")
    measures = MeasureSerializer(many=True, read_only=True)
    supporters = SupporterSerializer(many=True, read_only=True)
    funds = FundSerializer(many=True, read_only=True)
    history = CaseEventSerializer(source="events", many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "parent_name", "measures", "supporters", "funds", "history"]
