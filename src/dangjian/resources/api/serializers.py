from rest_framework import serializers

from ..checklists import Checklists
from ..models import Fund, Milestone, Project, Training, Venue


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["title", "due", "done_on"]


class ProjectSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    members = serializers.SerializerMethodField(help_text="参与党员姓名")
    evidence = serializers.SerializerMethodField(help_text="佐证材料数")

    class Meta:
        model = Project
        fields = [
            "id",
            "org",
            "org_code",
            "org_name",
            "year",
            "title",
            "category",
            "category_display",
            "status",
            "status_display",
            "goals",
            "leader_name",
            "members",
            "budget_fen",
            "spent_fen",
            "results",
            "milestones",
            "evidence",
        ]

    def get_members(self, obj) -> list[str]:
        return sorted(m.name for m in obj.members.all())

    def get_evidence(self, obj) -> int:
        return len(obj.evidence.all())


class VenueSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    standard_count = serializers.IntegerField(read_only=True, help_text="达到的“十有”项目数")
    standard_missing = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="未达到的项目")

    class Meta:
        model = Venue
        fields = [
            "id",
            "org",
            "org_code",
            "org_name",
            "kind",
            "kind_display",
            "name",
            "address",
            "area_m2",
            "built_year",
            "standard",
            "standard_count",
            "standard_missing",
        ]

    def to_representation(self, instance):
        # The checklists of every area, loaded once per response by the viewset (`VenueViewSet`), so a page of
        # venues asks no query per venue for the checklist in force at its organization.
        checklists = self.context.get("checklists") or Checklists()
        instance.checklist = checklists.at(instance.org)
        return super().to_representation(instance)


class TrainingSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    members = serializers.SerializerMethodField(help_text="参训党员姓名")
    attendances = serializers.SerializerMethodField(help_text="参训人次（党员加名册外人员）")

    class Meta:
        model = Training
        fields = [
            "id",
            "org",
            "org_code",
            "org_name",
            "title",
            "date",
            "days",
            "hours",
            "content",
            "members",
            "others",
            "attendances",
        ]

    def get_members(self, obj) -> list[str]:
        return sorted(m.name for m in obj.members.all())

    def get_attendances(self, obj) -> int:
        return len(obj.members.all()) + obj.others


class ResourceFundSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)

    class Meta:
        model = Fund
        fields = [
            "id",
            "org",
            "org_code",
            "org_name",
            "year",
            "source",
            "source_display",
            "purpose",
            "in_budget",
            "budget_fen",
            "spent_fen",
        ]
