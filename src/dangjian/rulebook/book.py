"""Reading the rules: a `Book` holds every rule and the active overrides (two queries), and answers for one
organization the rule in force there (`book.rule(key, org)`): the nearest override above or at the organization
wins, and a rule whose domains leave the organization's out does not apply to it.

Every warning a user sees is worded through `Effective.cite`, so it names its rule and source:
"…（依据：《中国共产党支部工作条例（试行）》第四条）".
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import CATALOG, DOMAINS
from .choices import Severity
from .models import Rule, RuleOverride


def catalog_values(spec) -> dict:
    """The columns of a rule as the catalog gives them (everything but its key)."""
    fields = ("category", "title", "text", "document", "article", "issued", "confidence", "severity", "unit")
    values = {name: getattr(spec, name) for name in fields}
    return values | {
        "domains": list(spec.domains),
        "value": spec.value,
        "applied_in": spec.applied_in,
        "note": spec.note,
    }


@dataclass(frozen=True)
class Effective:
    """A rule as it stands for one organization (or the region as a whole when no organization is given)."""

    key: str
    title: str
    value: object
    severity: str
    enabled: bool
    document: str
    article: str
    domains: tuple[str, ...]
    override_org: str = ""  # the organization whose override is in force, if any

    @property
    def source(self) -> str:
        return f"{self.document}{self.article}"

    @property
    def citation(self) -> str:
        local = f"；{self.override_org}调整" if self.override_org else ""
        return f"依据：{self.source}{local}"

    def cite(self, message: str) -> str:
        """The message with its rule's source, as users see it."""
        return f"{message.rstrip('。')}（{self.citation}）"

    def binds(self, domain: str | None) -> bool:
        """Whether the rule applies to an organization of this 党建类型: on, and the domain among its domains (an
        empty list binds every domain; an organization without a domain is bound only by rules of every domain)."""
        if not self.enabled:
            return False
        return not self.domains or (domain or "") in self.domains

    @property
    def domain_words(self) -> str:
        return "、".join(DOMAINS.get(d, d) for d in self.domains) or "各类型"

    @property
    def severity_label(self) -> str:
        return Severity(self.severity).label


class UnknownRule(KeyError):
    pass


class Book:
    """Every rule and every active override, loaded once for a page or a job."""

    def __init__(self, rules: list[Rule], overrides: list[RuleOverride]):
        self.rules = {rule.key: rule for rule in rules}
        # A rule of the code's catalog not (yet) in the table — a database emptied by a flush, or restored from a
        # backup made before the rule existed — is read from the catalog itself, unsaved and never overridden.
        for spec in CATALOG:
            if spec.key not in self.rules:
                self.rules[spec.key] = Rule(key=spec.key, **catalog_values(spec))
        self.overrides: dict[int, list[RuleOverride]] = {}
        for override in overrides:
            self.overrides.setdefault(override.rule_id, []).append(override)

    @classmethod
    def load(cls) -> Book:
        overrides = (
            RuleOverride.objects.filter(withdrawn_at__isnull=True)
            .select_related("org")
            .only("rule_id", "value", "severity", "disabled", "org__id", "org__name", "org__depth")
        )
        return cls(list(Rule.objects.all()), list(overrides))

    def rule(self, key: str, org=None) -> Effective:
        """The rule `key` in force at `org` (anything with `pk` and `ancestor_ids()`, i.e. an Organization)."""
        try:
            rule = self.rules[key]
        except KeyError:
            raise UnknownRule(key) from None
        override = self._nearest(rule, org)
        return Effective(
            key=rule.key,
            title=rule.title,
            value=override.value if override is not None and override.value is not None else rule.value,
            severity=(override.severity or rule.severity) if override is not None else rule.severity,
            enabled=not (override is not None and override.disabled),
            document=rule.document,
            article=rule.article,
            domains=tuple(rule.domains or ()),
            override_org=override.org.name if override is not None else "",
        )

    def _nearest(self, rule: Rule, org) -> RuleOverride | None:
        candidates = self.overrides.get(rule.pk)
        if not candidates or org is None:
            return None
        chain = {*org.ancestor_ids(), org.pk}
        inside = [o for o in candidates if o.org_id in chain]
        return max(inside, key=lambda o: o.org.depth) if inside else None

    def applies(self, key: str, org) -> Effective | None:
        """The rule in force at `org` if it binds the organization's domain, else None."""
        effective = self.rule(key, org)
        return effective if effective.binds(getattr(org, "domain", "")) else None
