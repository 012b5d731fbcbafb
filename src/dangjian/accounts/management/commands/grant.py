"""`dangjian grant USER ORG_CODE --role manage [--create]`: give a user an organization and its subtree."""

import getpass
import os

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dangjian.accounts.services import create_user, grant_org
from dangjian.core.scope import Role
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = "授予用户一个党组织（含下级）的数据范围和角色；--create 同时新建用户。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("org_code", help="党组织编码")
        parser.add_argument(
            "--role", choices=list(Role.values), default=Role.READ, help="read 查看 / edit 编辑 / manage 管理"
        )
        parser.add_argument(
            "--create",
            action="store_true",
            help="用户不存在时新建；密码取自环境变量 DANGJIAN_NEW_PASSWORD，未设置则提示输入",
        )

    def handle(self, *args, username, org_code, role, create, **options):
        org = Organization.objects.filter(code=org_code).first()
        if org is None:
            raise CommandError(f"组织编码“{org_code}”不存在。")
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            if user is None:
                if not create:
                    raise CommandError(f"用户“{username}”不存在；要新建请加 --create。")
                password = os.environ.get("DANGJIAN_NEW_PASSWORD") or getpass.getpass("新用户的密码：")
                try:
                    user = create_user(username, password, actor=None)  # must change it at first login
                except ValidationError as exc:
                    raise CommandError("；".join(exc.messages)) from exc
            try:
                grant_org(user, org, role)
            except ValidationError as exc:  # an auditor is given no edit or manage role
                raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"已授予 {username}：{org.name}（{Role(role).label}）")
