"""The one write path of the rulebook: overrides set and withdrawn by a county or city (MANAGE on it), audited.

- `set_override`: a new value, severity, or "off" for a rule at a county or city organization and its subtree; the
  reason is required; an active override of the same rule there is withdrawn by it (kept in the trail).
- `withdraw_override`: the rule goes back to what stands above; the reason is required.
- `sync_catalog`: the rules' texts and sources brought up to `catalog.CATALOG` (the seed migration calls it too).

What other apps keep by the rules (meeting completion's roll-ups, `partylife.rollups`) follows an override in its
transaction: apps above hand this module a follower (`follow_overrides`, from their `AppConfig.ready()`), called with
the rule's row locked before the write (to lock what it will change and keep the rules as they stood) and returning
what to do after it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import record, snapshot
from dangjian.core.models import AuditAction
from dangjian.core.scope import Action
from dangjian.core.services import ensure_in_scope

from .book import catalog_values
from .catalog import BY_KEY, CATALOG
from .choices import Severity
from .models import Rule, RuleOverride

# A follower: (rule, organization of the override) → what to run once the override is written, or None.
Follower = Callable[[Rule, object], Callable[[], object] | None]
FOLLOWERS: dict[str, Follower] = {}


def follow_overrides(name: str, follower: Follower) -> None:
    """Have `follower` called on every override set or withdrawn (from an app's `ready()`; once per name)."""
    FOLLOWERS[name] = follower


def _followed(rule: Rule, org) -> list[Callable[[], object]]:
    """Lock the rule's row, so that overrides of one rule (at a city and at a county below it) follow in turn, and
    ask each follower what it will do after the write."""
    list(Rule.objects.select_for_update().filter(pk=rule.pk).values_list("pk"))
    return [after for follower in FOLLOWERS.values() if (after := follower(rule, org)) is not None]


# Overrides are a region's: set at a city or a county (orgs.choices.Level values).
OVERRIDE_LEVELS = {"city": "市", "county": "县（区）"}


def sync_catalog(rule_model=Rule) -> int:
    """Create or update every rule of the catalog (texts, sources, defaults); returns how many were written.
    `rule_model` is the historical model when a migration calls it."""
    written = 0
    for spec in CATALOG:
        rule_model.objects.update_or_create(key=spec.key, defaults=catalog_values(spec))
        written += 1
    return written


def parse_value(rule: Rule, text: str):
    """A value typed in the form (JSON: 4, [1, 3], "month") checked against the shape of the rule's own value."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text  # a bare word such as month
    default = rule.value
    if default is None:
        raise ValidationError({"value": "该规则没有可调整的取值，只能调整严重程度或停用。"})
    if isinstance(default, bool) or isinstance(value, bool):
        raise ValidationError({"value": "取值格式不正确。"})
    number = (int, float)
    if isinstance(default, number):
        if not isinstance(value, number) or value < 0:
            raise ValidationError({"value": f"取值应为不小于0的数，例如 {default}。"})
    elif isinstance(default, list):
        if not isinstance(value, list) or len(value) != len(default):
            raise ValidationError({"value": f"取值应为与原值同样长度的列表，例如 {json.dumps(default)}。"})
    elif isinstance(default, dict):
        if not isinstance(value, dict) or set(value) != set(default):
            raise ValidationError(
                {"value": f"取值应包含与原值相同的项，例如 {json.dumps(default, ensure_ascii=False)}。"}
            )
    elif not isinstance(value, type(default)):
        raise ValidationError({"value": f"取值格式应与原值一致，例如 {default}。"})
    spec = BY_KEY.get(rule.key)
    choices = spec.extra.get("choices") if spec is not None else None
    if choices and value not in choices:
        words = "、".join(f"{key}（{label}）" for key, label in choices.items())
        raise ValidationError({"value": f"取值应为 {words} 之一。"})
    return value


@transaction.atomic
def set_override(
    rule: Rule, org, *, actor, reason: str, value=None, severity: str = "", disabled: bool = False
) -> RuleOverride:
    """Record a region's override of `rule` at `org` (a city or county organization the actor manages)."""
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if org.level not in OVERRIDE_LEVELS:
        errors["org"] = "规则只能由市、县（区）一级调整，请选择市委或县（区）委。"
    if not reason:
        errors["reason"] = "请填写调整理由。"
    if severity and severity not in Severity.values:
        errors["severity"] = "严重程度不正确。"
    if value is None and not severity and not disabled:
        errors["__all__"] = "请至少调整取值、严重程度或停用其中一项。"
    if errors:
        raise ValidationError(errors)
    ensure_in_scope(actor, org.path, Action.MANAGE)
    then = _followed(rule, org)
    previous = RuleOverride.objects.select_for_update().filter(rule=rule, org=org, withdrawn_at__isnull=True).first()
    if previous is not None:
        _withdraw(previous, actor=actor, reason=f"被新的调整取代：{reason}")
    override = RuleOverride.objects.create(
        rule=rule,
        org=org,
        value=value,
        severity=severity,
        disabled=disabled,
        reason=reason[:500],
        created_by=actor,
    )
    record(
        AuditAction.CREATE,
        actor=actor,
        obj=override,
        org=org,
        after=snapshot(override),
        detail=f"规则地方调整：{rule.title}（{rule.key}）",
    )
    for after in then:
        after()
    return override


def _withdraw(override: RuleOverride, *, actor, reason: str) -> None:
    before = snapshot(override)
    override.withdrawn_at, override.withdrawn_by, override.withdrawn_reason = timezone.now(), actor, reason[:500]
    override.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    record(
        AuditAction.UPDATE,
        actor=actor,
        obj=override,
        org=override.org,
        before=before,
        after=snapshot(override),
        detail=f"撤销规则地方调整：{override.rule.title}（{override.rule.key}）",
    )


@transaction.atomic
def withdraw_override(override: RuleOverride, *, actor, reason: str) -> RuleOverride:
    """Withdraw an active override; the rule goes back to what stands above."""
    override = RuleOverride.objects.select_for_update().select_related("org", "rule").get(pk=override.pk)
    if override.withdrawn_at is not None:
        raise ValidationError("该调整已撤销。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写撤销理由。"})
    ensure_in_scope(actor, override.org.path, Action.MANAGE)
    then = _followed(override.rule, override.org)
    _withdraw(override, actor=actor, reason=reason.strip())
    for after in then:
        after()
    return override
