from rest_framework import serializers

from dangjian.members.models import Member

from ..rules import yuan
from ..visibility import may_see_bases


class DuesMonthSerializer(serializers.Serializer):
    """One member-month; `base` is present only for callers who may see bases (a MANAGE grant over the member)."""

    month = serializers.SerializerMethodField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="status_label")
    category = serializers.CharField()
    rate = serializers.CharField(source="rate_text")
    due = serializers.SerializerMethodField(help_text="应缴金额（元，两位小数的文本）")
    due_fen = serializers.IntegerField(allow_null=True)
    paid = serializers.SerializerMethodField(help_text="实缴金额（元）")
    paid_fen = serializers.IntegerField(allow_null=True)
    paid_on = serializers.DateField(allow_null=True)
    base = serializers.SerializerMethodField(help_text="月缴纳基数（元）；无权查看时不返回此项")
    base_fen = serializers.IntegerField(allow_null=True)

    def get_month(self, cell) -> str:
        return f"{cell.month:%Y-%m}"

    def get_due(self, cell) -> str:
        return yuan(cell.due_fen)

    def get_paid(self, cell) -> str:
        return yuan(cell.paid_fen)

    def get_base(self, cell) -> str:
        return yuan(cell.base_fen)


class DuesMemberSerializer(serializers.ModelSerializer):
    """A member and the months of the requested year (`year`, this year when absent)."""

    org_code = serializers.CharField(source="org.code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    months = serializers.SerializerMethodField()
    arrears = serializers.SerializerMethodField(help_text="连续 6 个月以上未缴（仅提示，不自动处理）")

    class Meta:
        model = Member
        fields = ["id", "name", "org", "org_code", "org_name", "months", "arrears"]

    def get_months(self, member) -> list[dict]:
        book = self.context["ledger"].of(member)
        rows = DuesMonthSerializer(book.cells, many=True).data
        if not may_see_bases(self.context["request"].user, member.org.path):
            for row in rows:
                row.pop("base", None)
                row.pop("base_fen", None)
        return rows

    def get_arrears(self, member) -> str:
        found = self.context["arrears"].of(member).arrears()
        return found.text if found else ""
