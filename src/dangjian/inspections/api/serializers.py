"""What the inspection API shows. A draw always shows its commitment (总体摘要值, 承诺值, the stated time); its
secret, seed and full target list only to those who may see every target (its organizers, or anyone who sees the
draw once the visit window has closed); anyone else sees only the targets the visibility rule gives them."""

from rest_framework import serializers

from ..models import Draw, DrawTarget, Finding, Visit, VisitItem


class TargetSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    team = serializers.SerializerMethodField()
    visited = serializers.SerializerMethodField()

    class Meta:
        model = DrawTarget
        fields = ["id", "position", "key", "label", "stratum", "score", "org_code", "team", "visited"]

    def get_team(self, obj) -> list[str]:
        return [i.name for i in obj.team.all()]

    def get_visited(self, obj) -> bool:
        return hasattr(obj, "visit")


class DrawSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    population_size = serializers.SerializerMethodField()

    class Meta:
        model = Draw
        fields = [
            "id",
            "title",
            "purpose",
            "period",
            "org_code",
            "org_name",
            "population_kind",
            "stratify_by",
            "status",
            "status_display",
            "draw_at",
            "visit_until",
            "committed_at",
            "population_digest",
            "commitment",
            "population_size",
            "drawn_at",
        ]

    def get_population_size(self, obj) -> int:
        return len(obj.eligible())


class DrawDetailSerializer(DrawSerializer):
    reveal = serializers.SerializerMethodField()
    targets = serializers.SerializerMethodField()

    class Meta(DrawSerializer.Meta):
        fields = [*DrawSerializer.Meta.fields, "quotas", "team_size", "beacon", "reveal", "targets"]

    def _everything(self, obj) -> bool:
        return obj.fully_visible_to(self.context["request"].user)

    def get_reveal(self, obj) -> dict | None:
        """The revealed secret and the values the seed came from, for whoever may see every target."""
        if not obj.drawn or not self._everything(obj):
            return None
        return {
            "secret": obj.revealed_secret,
            "audit_seq": obj.audit_seq,
            "audit_head": obj.audit_head,
            "seed": obj.seed,
        }

    def get_targets(self, obj) -> list[dict]:
        qs = DrawTarget.objects.filter(draw=obj)
        if not self._everything(obj):
            qs = qs.restrict(self.context["request"].user)
        qs = qs.select_related("org", "visit").prefetch_related("team").order_by("position")
        return TargetSerializer(qs, many=True).data


class VisitItemSerializer(serializers.ModelSerializer):
    result_display = serializers.CharField(source="get_result_display", read_only=True)

    class Meta:
        model = VisitItem
        fields = ["checklist", "number", "title", "result", "result_display", "note"]


class VisitSerializer(serializers.ModelSerializer):
    draw = serializers.IntegerField(source="target.draw_id", read_only=True)
    draw_title = serializers.CharField(source="target.draw.title", read_only=True)
    target = serializers.CharField(source="target.label", read_only=True)
    org_code = serializers.CharField(source="target.org.code", read_only=True)
    items = VisitItemSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "draw", "draw_title", "target", "org_code", "visited_on", "met", "summary", "items"]


class FindingSerializer(serializers.ModelSerializer):
    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    visited_on = serializers.DateField(source="visit.visited_on", read_only=True)
    state = serializers.CharField(read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "visit",
            "visited_on",
            "org_code",
            "org_name",
            "year",
            "title",
            "note",
            "state",
            "state_display",
            "follow_up",
            "deadline",
            "case",
            "measure",
        ]
