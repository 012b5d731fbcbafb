"""Reading the rules: a `Book` holds every rule and the active overrides (two queries), and answers for one
organization the rule in force there (`book.rule(key, org)`): the nearest override above or at the organization
wins, and a rule whose domains leave the organization's out does not apply to it.

Every warning a user sees is worded through `Effective.cite`, so it names its rule and source:
"…（依据：《中国共产党支部工作条例（试行）》第四条）".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.utils import timezone

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
    value_overridden: bool = False  # the value is the override's, not the rule's own
    # The override itself, read only when a warning names who made it, when and why (`override_words`).
    override: RuleOverride | None = field(default=None, compare=False, repr=False)

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

    @property
    def refuses(self) -> bool:
        """Whether a breach of the rule refuses the write (必须) rather than letting it through with a warning
        (警告, 提示): the one test every area asks."""
        return self.severity == Severity.REQUIRED

    @property
    def override_words(self) -> str:
        """Whose override is in force, when it was made, by whom and why — "" where none is."""
        o = self.override
        if o is None:
            return ""
        changes = []
        if o.severity:
            changes.append(f"严重程度调为“{Severity(o.severity).label}”")
        if o.value is not None:
            changes.append(f"取值调为 {o.value}")
        change = f"将{'，'.join(changes)}" if changes else "调整"
        who = (o.created_by.get_full_name() or o.created_by.get_username()) if o.created_by_id else "—"
        when = f"{timezone.localdate(o.created_at):%Y-%m-%d}" if o.created_at else "—"
        return f"本地区调整：{self.override_org}{change}（调整人：{who}，{when}；理由：{o.reason or '—'}）"

    def warn(self, message: str) -> str:
        """A warning that lets the write through: the cited message and, under an override, whose it is."""
        words = self.override_words
        return f"{self.cite(message)}{words and '。' + words}"

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
            .select_related("org", "created_by")
            .only(
                "rule_id", "value", "severity", "disabled", "reason", "created_at",
                "org__id", "org__name", "org__depth", "org__path",
                "created_by__id", "created_by__username", "created_by__first_name", "created_by__last_name",
            )
        )  # fmt: skip
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
            value_overridden=override is not None and override.value is not None,
            override=override,
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


# One Book for a whole computation: an assessment's metrics each ask for the rules, and inside `one_book()` they
# share the first one loaded instead of reading the rules again for every metric.
_held: ContextVar[list[Book] | None] = ContextVar("rulebook_held", default=None)


@contextmanager
def one_book() -> Iterator[None]:
    """Within the block, `current_book()` loads the rules once and hands the same Book back."""
    token = _held.set([])
    try:
        yield
    finally:
        _held.reset(token)


def current_book() -> Book:
    """The Book held by the enclosing `one_book()` (loaded on first use), else a freshly loaded one."""
    held = _held.get()
    if held is None:
        return Book.load()
    if not held:
        held.append(Book.load())
    return held[0]


def catalog_book() -> Book:
    """The catalog's rules without a database (no overrides): for pure code and tests that ask for the defaults."""
    return Book([], [])
