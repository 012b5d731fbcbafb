"""Results keep only their points per indicator (`cents`); the lines' words are derived again when shown."""

from decimal import Decimal

from django.db import migrations, models


def lines_to_cents(apps, schema_editor):
    """The stored lines ({code, ..., points: "12.50", ...}, in the group's order) as whole centipoints."""
    Result = apps.get_model("assess", "Result")
    changed = []
    for result in Result.objects.only("id", "lines").iterator(chunk_size=2000):
        result.cents = [int(Decimal(line["points"]) * 100) for line in result.lines or []]
        changed.append(result)
        if len(changed) == 2000:
            Result.objects.bulk_update(changed, ["cents"])
            changed = []
    Result.objects.bulk_update(changed, ["cents"])


def cents_to_lines(apps, schema_editor):
    """Back: the points only (the words are gone); running the assessment again writes the lines in full."""
    Result = apps.get_model("assess", "Result")
    for result in Result.objects.only("id", "cents").iterator(chunk_size=2000):
        result.lines = [{"points": f"{Decimal(c) / 100:.2f}"} for c in result.cents or []]
        result.save(update_fields=["lines"])


class Migration(migrations.Migration):
    dependencies = [("assess", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="result",
            name="cents",
            field=models.JSONField(default=list, verbose_name="各项得分（百分之一分）"),
        ),
        migrations.RunPython(lines_to_cents, cents_to_lines),
        migrations.RemoveField(model_name="result", name="lines"),
    ]
