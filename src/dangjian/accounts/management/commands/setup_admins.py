"""`dangjian setup-admins --sysadmin NAME --secadmin NAME --auditor NAME`: the three duty accounts (三员).

Each gets an initial password from the environment (DANGJIAN_SYSADMIN_PASSWORD, DANGJIAN_SECADMIN_PASSWORD,
DANGJIAN_AUDITOR_PASSWORD) or a prompt, and must change it at first login. The security administrator is granted
the root organization with the read role, so they can manage every user and hand out every organization; the
other two get no data scope (the auditor, granted nothing, reads the whole audit log: `auditlog.views`). After this
the superuser is kept for command-line maintenance only.
"""

import getpass
import os

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dangjian.accounts.duties import Duty
from dangjian.accounts.services import assign_duty, create_user, grant_org
from dangjian.core.scope import Role
from dangjian.orgs.models import Organization

ACCOUNTS = (
    # option, duty, environment variable
    ("sysadmin", Duty.SYSADMIN, "DANGJIAN_SYSADMIN_PASSWORD"),
    ("secadmin", Duty.SECADMIN, "DANGJIAN_SECADMIN_PASSWORD"),
    ("auditor", Duty.AUDITOR, "DANGJIAN_AUDITOR_PASSWORD"),
)


class Command(BaseCommand):
    help = "新建三员账号（系统管理员、安全管理员、审计管理员），首次登录须修改密码；安全管理员授予根党组织（查看）。"

    def add_arguments(self, parser):
        for option, duty, env in ACCOUNTS:
            parser.add_argument(f"--{option}", required=True, metavar="用户名", help=f"{duty}的用户名；密码取自 {env}")

    def handle(self, *args, **options):
        names = {option: options[option].strip() for option, _, _ in ACCOUNTS}
        if len(set(names.values())) != len(names):
            raise CommandError("三员分立：三个职责须由三个不同的账号承担。")
        taken = sorted(User.objects.filter(username__in=names.values()).values_list("username", flat=True))
        if taken:
            raise CommandError(
                f"用户“{'、'.join(taken)}”已存在；三员账号请用新用户名，已有账号的职责在“用户管理”中分配。"
            )
        roots = list(Organization.objects.filter(parent__isnull=True).order_by("path"))
        if not roots:
            raise CommandError("尚无根党组织：请先建立组织树或导入组织，再设置三员账号。")
        passwords = {option: self.password(duty, names[option], env) for option, duty, env in ACCOUNTS}

        with transaction.atomic():
            for option, duty, _ in ACCOUNTS:
                try:
                    user = create_user(names[option], passwords[option], actor=None)
                except ValidationError as exc:
                    raise CommandError(f"{duty} {names[option]}：{'；'.join(exc.messages)}") from exc
                assign_duty(user, duty, actor=None)
                if duty == Duty.SECADMIN:
                    for root in roots:
                        grant_org(user, root, Role.READ, actor=None)
        for option, duty, _ in ACCOUNTS:
            self.stdout.write(f"已新建{duty}：{names[option]}（首次登录须修改密码）")
        self.stdout.write(f"安全管理员 {names['secadmin']} 的授权范围：{'、'.join(r.name for r in roots)}（查看）")

    def password(self, duty: str, username: str, env: str) -> str:
        return os.environ.get(env) or getpass.getpass(f"{duty} {username} 的初始密码：")
