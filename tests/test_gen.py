"""`dangjian gen`: a synthetic region of the asked size, well formed, only into an empty database."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.core.citizen_id import id_number_problem
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import check_parent

pytestmark = pytest.mark.django_db


def test_gen_builds_a_synthetic_region_of_the_asked_size():
    call_command("gen", orgs=400, members=3000, seed=7, verbosity=0)
    assert Organization.objects.count() == 400
    assert Member.objects.count() == 3000
    for org in Organization.objects.select_related("parent")[:400]:
        check_parent(org.kind, org.parent, org)
    sample = Member.objects.order_by("?")[:20]
    assert all(id_number_problem(m.id_number) == "" for m in sample)


def test_gen_refuses_a_database_that_has_data(region):
    with pytest.raises(CommandError, match="空"):
        call_command("gen", orgs=10, members=10, verbosity=0)
