"""The database holds every index and constraint the models declare (a migration once dropped one silently)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection


@pytest.mark.django_db
def test_every_declared_index_and_constraint_exists_in_the_database():
    missing = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            present = connection.introspection.get_constraints(cursor, model._meta.db_table)
            for item in [*model._meta.indexes, *model._meta.constraints]:
                if item.name not in present:
                    missing.append(f"{model._meta.label}.{item.name}")
    assert missing == []


@pytest.mark.django_db
def test_the_register_refuses_an_id_number_twice_at_the_database():
    from django.db import IntegrityError, transaction

    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    org = Organization.objects.create(code="T0001", name="测试党支部", kind="branch", domain="village")
    Member.objects.create(org=org, name="甲", gender="male", id_number="110101199003074514")
    twin = Member(org=org, name="乙", gender="male", id_number="110101199003074514")
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
