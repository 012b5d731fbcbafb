"""Every field of the project's models is labelled in Chinese: forms, the admin, exports and error messages show the
label, and a foreign key without one shows its English attribute name (`created_by`, `participant`)."""

import re

from django.apps import apps

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_field_and_relation_has_a_chinese_verbose_name():
    unlabelled = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("dangjian.")
        for field in model._meta.get_fields()
        if field.concrete and not field.auto_created and not CHINESE.search(str(field.verbose_name))
    ]
    assert unlabelled == []
