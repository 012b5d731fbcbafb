from rest_framework import serializers

from ..models import DutyItem, DutyTask


class DutyItemSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    # Plain strings with their labels, so the schema's enums stay those of the other apps (post, frequency).
    post = serializers.CharField(read_only=True)
    post_display = serializers.CharField(source="get_post_display", read_only=True)
    frequency = serializers.CharField(read_only=True)
    frequency_display = serializers.CharField(source="get_frequency_display", read_only=True)

    class Meta:
        model = DutyItem
        fields = ["id", "org", "org_code", "org_name", "post", "post_display", "holder_name", "title", "detail",
                  "frequency", "frequency_display", "active", "assigned_at"]  # fmt: skip


class DutyTaskSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    title = serializers.CharField(source="item.title", read_only=True)
    holder_name = serializers.CharField(source="item.holder_name", read_only=True)
    post = serializers.CharField(source="item.post", read_only=True)
    status = serializers.CharField(read_only=True)
    overdue = serializers.SerializerMethodField(help_text="逾期未完成")
    has_evidence = serializers.SerializerMethodField(help_text="有佐证材料")

    class Meta:
        model = DutyTask
        fields = ["id", "item", "org", "org_code", "post", "holder_name", "title", "year", "label", "period_start",
                  "due_on", "status", "overdue", "done_on", "note", "has_evidence"]  # fmt: skip

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()

    def get_has_evidence(self, obj) -> bool:
        return bool(obj.evidence)
