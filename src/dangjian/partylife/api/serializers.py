from rest_framework import serializers

from ..models import Applicant, Attendance, DevelopmentStep, Meeting


class AttendanceSerializer(serializers.ModelSerializer):
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)

    class Meta:
        model = Attendance
        fields = ["member", "name", "present", "reason", "reason_display", "note"]


class MeetingSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    attendance = AttendanceSerializer(many=True, read_only=True)
    photos = serializers.SerializerMethodField(help_text="照片数")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "org",
            "org_code",
            "org_name",
            "kind",
            "kind_display",
            "date",
            "topic",
            "group",
            "minutes",
            "attendance",
            "photos",
            "recorded_at",
        ]

    def get_photos(self, obj) -> int:
        return len(obj.photos.all())


class StepSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = DevelopmentStep
        fields = [
            "kind",
            "kind_display",
            "date",
            "decision",
            "meeting",
            "approved_on",
            "hours",
            "months",
            "talker",
            "has_document",
        ]

    def get_has_document(self, obj) -> bool:
        return bool(obj.document)


class ApplicantSerializer(serializers.ModelSerializer):
    """A person in the development pipeline. The ID number is always masked here: the unmask right is the member
    register's, exercised on the member's page."""

    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = Applicant
        fields = [
            "id",
            "org",
            "org_code",
            "org_name",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "stage",
            "stage_display",
            "applied_on",
            "talked_on",
            "activist_on",
            "candidate_on",
            "training_hours",
            "admitted_on",
            "approved_on",
            "extended_months",
            "full_on",
            "ended_on",
            "member",
            "steps",
        ]
