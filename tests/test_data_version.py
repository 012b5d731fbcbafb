"""The data version under which derived figures (home counts) are cached: renewed by a write once it commits,
never by one that rolls back, and once per transaction however many records it writes."""

import pytest
from django.db import transaction

from dangjian.core import audit
from dangjian.core.models import AuditAction

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_write_renews_the_version_when_it_commits_not_before():
    before = audit.data_version()
    with transaction.atomic():
        audit.record(AuditAction.CREATE, detail="一次写入")
        assert audit.data_version() == before  # another process must not cache figures that miss this write yet
    assert audit.data_version() != before


def test_a_rolled_back_write_leaves_the_version_as_it_was():
    before = audit.data_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(AuditAction.CREATE, detail="回滚的写入")
        raise RuntimeError("写入失败")
    assert audit.data_version() == before


def test_logins_and_exports_are_not_writes():
    before = audit.data_version()
    audit.record(AuditAction.LOGIN_FAILED, username="someone", success=False)
    audit.record(AuditAction.EXPORT, detail="导出")
    assert audit.data_version() == before


def test_a_transaction_of_many_records_renews_the_version_once(monkeypatch):
    renewed = []
    monkeypatch.setattr(audit, "_new_version", lambda: renewed.append(1) or str(len(renewed)))
    audit.data_version()
    with transaction.atomic():
        for n in range(50):
            audit.record(AuditAction.CREATE, detail=f"第{n}条")
    assert len(renewed) == 2  # the first version, then one renewal
