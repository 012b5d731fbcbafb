"""`dangjian gen`: a synthetic region of any size on an empty database, for load and performance tests."""

from django.core.management.base import BaseCommand, CommandError

from dangjian.demo.synth import MAX_MEMBERS, generate
from dangjian.members.models import Member
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = "在空数据库中生成任意规模的合成数据（组织树与党员），用于压力和性能测试。"

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, required=True, help="组织数量")
        parser.add_argument("--members", type=int, required=True, help="党员数量")
        parser.add_argument("--seed", type=int, default=1, help="随机种子，默认 1")
        parser.add_argument("--dues", action="store_true", help="同时生成本年度党费基数、缴纳和减免记录")

    def handle(self, *args, orgs, members, seed, dues, **options):
        if orgs < 10:
            raise CommandError("组织数量至少为 10。")
        if not 0 <= members <= MAX_MEMBERS:
            raise CommandError(f"党员数量应在 0 到 {MAX_MEMBERS} 之间。")
        if Organization.objects.exists() or Member.objects.exists():
            raise CommandError("数据库中已有组织或党员数据；合成数据只能生成到空数据库中。请换用新的数据库。")
        result = generate(orgs, members, seed, log=self.stdout.write, dues=dues)
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：党组织 {result['orgs']} 个，党员 {result['members']} 名，用时 {result['seconds']:.1f} 秒。"
            )
        )
