import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The hash chain's columns (seq still nullable: 0005 numbers the existing rows), the chain head and the
    prune checkpoints; the user column keeps its value when a user is deleted."""

    dependencies = [
        ("core", "0003_audit_actions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditlog",
            name="seq",
            field=models.BigIntegerField(null=True, verbose_name="序号"),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=64, verbose_name="前一条哈希"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditlog",
            name="hash",
            field=models.CharField(default="", max_length=64, verbose_name="哈希"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="时间"),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="user",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="用户",
            ),
        ),
        migrations.AlterModelOptions(
            name="auditlog",
            options={"ordering": ["-seq"], "verbose_name": "审计日志", "verbose_name_plural": "审计日志"},
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(default=0, verbose_name="最后序号")),
                ("hash", models.CharField(blank=True, max_length=64, verbose_name="最后哈希")),
                ("seal", models.CharField(blank=True, max_length=64, verbose_name="链头校验码")),
            ],
            options={"verbose_name": "审计日志链头", "verbose_name_plural": "审计日志链头"},
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(verbose_name="已清理至序号")),
                ("hash", models.CharField(max_length=64, verbose_name="该条哈希")),
                ("seal", models.CharField(max_length=64, verbose_name="检查点校验码")),
                ("before", models.DateField(verbose_name="清理此日期之前的记录")),
                ("count", models.BigIntegerField(verbose_name="清理条数")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="清理时间")),
            ],
            options={
                "verbose_name": "审计日志清理检查点",
                "verbose_name_plural": "审计日志清理检查点",
                "ordering": ["-seq"],
            },
        ),
    ]
