"""Schemes as YAML files: the documented format offices exchange, clone from last year and keep under review.

The format, by example (the full one is `examples/scheme-county.yaml`)::

    year: 2026
    name: 示范县2026年度基层党组织建设考核方案
    total: 100                  # base points of every group (bonus, penalty and veto items not counted)
    grades: {A: 90, B: 80, C: 60}   # lowest total for A, B, C; below C is D; a group may override
    weak_floors: {农村: 15%, 社区: 10%, 机关: 5%}   # share of a domain's organizations, rounded up
    tie_rule: include           # include: all tied at the cut are weak; code: cut exactly, lower code first
    bonus_cap: 5                # bonus items together give at most this much
    penalty_cap: 10             # penalty items together take at most this much
    trim_from: 5                # from 5 raters up, drop the highest and the lowest
    survey_fail_share: 50%      # more than half dissatisfied → D (leave out for no such rule)
    problem_share: 60%          # an area below 60% of its points raises its problem flag
    groups:
      - domain: 农村             # a domain (Chinese label or code); `level:` narrows it to one level
        categories:
          - name: 班子建设
            indicators:
              - {code: V01, name: 班子配备齐全, points: 10, method: derived, metric: committee_complete,
                 problem: committee}

Methods: given (评分), deduction (扣分: `per: 2`, `floor: 0`), derived (系统数据: `metric:`), survey (群众满意度),
yesno (是否项), bonus (加分), penalty (减分: `per:`), veto (一票否决). Problem areas: committee, secretary, venue,
rules, service, members. YAML anchors (&name / *name) let groups share categories.

Limits, checked before anything is built from the text: at most 256 KB, at most 100,000 values once every alias is
expanded, at most 20 levels of nesting. A few kilobytes of nested aliases (“billion laughs”) would otherwise expand to
billions of values the moment anything walks or prints them.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import yaml

from .engine import DOMAIN_LABELS
from .scheme import CENT, PROBLEMS, Group, Indicator, Method, Scheme, SchemeError, percent_to_fraction, to_cents

MAX_SCHEME_BYTES = 256 * 1024
MAX_SCHEME_VALUES = 100_000  # after expanding aliases; the county example has about 1,700
MAX_SCHEME_DEPTH = 20  # the format itself needs 8
TOO_LARGE = f"方案文件不能超过 {MAX_SCHEME_BYTES // 1024} KB。"
TOO_MANY_VALUES = (
    f"方案文件中的锚点与别名（&、*）展开后超过 {MAX_SCHEME_VALUES} 个值，请减少别名的嵌套；别名只宜用于各分组共用类别。"
)
SELF_ALIAS = "方案文件中的别名（*）不能引用包含它自身的锚点（&）。"
TOO_DEEP = f"方案文件嵌套超过 {MAX_SCHEME_DEPTH} 层。"

_DOMAIN_BY_LABEL = {label: code for code, label in DOMAIN_LABELS.items()}
_METHOD_NAMES = {m.value: m for m in Method} | {
    "评分": Method.GIVEN,
    "扣分": Method.DEDUCTION,
    "系统数据": Method.DERIVED,
    "群众满意度": Method.SURVEY,
    "是否项": Method.YESNO,
    "加分": Method.BONUS,
    "减分": Method.PENALTY,
    "一票否决": Method.VETO,
}
_TOP_KEYS = {
    "year",
    "name",
    "total",
    "grades",
    "weak_floors",
    "tie_rule",
    "bonus_cap",
    "penalty_cap",
    "trim_from",
    "survey_fail_share",
    "problem_share",
    "groups",
    "common",  # a place for YAML anchors shared by groups; not read itself
}
_LEVEL_BY_LABEL = {
    "市": "city",
    "县（区）": "county",
    "乡镇（街道）": "town",
    "站/片区": "station",
    "村（社区）": "village",
}


class _SchemeLoader(yaml.SafeLoader):
    """SafeLoader that counts values as if every alias were expanded, while composing, and stops at the limits.

    PyYAML shares an aliased node instead of copying it, so parsing a bomb is quick; the cost comes later, when the
    checks below or an error message walk or print the shared structure. Counting here refuses it before that.
    """

    def __init__(self, text: str):
        super().__init__(text)
        self.values = 0  # values composed so far, aliases counted at their expanded size
        self.depth = 0
        self.sizes: dict[str, int] = {}  # expanded size of each finished anchored node

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            anchor = self.peek_event().anchor
            node = super().compose_node(parent, index)  # refuses an undefined alias
            if anchor not in self.sizes:
                raise SchemeError(SELF_ALIAS)  # the anchored node is still being composed: a cycle
            self._count(self.sizes[anchor])
            return node
        anchor = self.peek_event().anchor
        self.depth += 1
        if self.depth > MAX_SCHEME_DEPTH:
            raise SchemeError(TOO_DEEP)
        before = self.values
        self._count(1)
        node = super().compose_node(parent, index)
        self.depth -= 1
        if anchor is not None:
            self.sizes[anchor] = self.values - before
        return node

    def _count(self, size: int) -> None:
        self.values += size
        if self.values > MAX_SCHEME_VALUES:
            raise SchemeError(TOO_MANY_VALUES)


def _parse_yaml(text: str):
    """The YAML document of a scheme, as plain dicts and lists, once its size, nesting and aliases are within
    limits; SchemeError otherwise."""
    if len(text) > MAX_SCHEME_BYTES or len(text.encode("utf-8")) > MAX_SCHEME_BYTES:
        raise SchemeError(TOO_LARGE)
    loader = _SchemeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"第 {mark.line + 1} 行" if mark else ""
        raise SchemeError(f"方案文件不是有效的 YAML {at}".strip()) from None
    finally:
        loader.dispose()


def _domain(value, where: str) -> str:
    text = str(value).strip()
    if text in DOMAIN_LABELS:
        return text
    if text in _DOMAIN_BY_LABEL:
        return _DOMAIN_BY_LABEL[text]
    raise SchemeError(f"{where}：未知的党建类型“{text}”，应为 {'、'.join(DOMAIN_LABELS.values())}")


def _lines(raw, where: str, default: tuple[int, int, int]) -> tuple[int, int, int]:
    if raw is None:
        return default
    if not isinstance(raw, dict) or set(raw) != {"A", "B", "C"}:
        raise SchemeError(f"{where}：grades 应写成 {{A: 90, B: 80, C: 60}}")
    lines = tuple(to_cents(raw[g], f"{where} {g} 等次线") for g in "ABC")
    if not lines[0] > lines[1] > lines[2] >= 0:
        raise SchemeError(f"{where}：等次线应为 A > B > C ≥ 0")
    return lines


def _indicator(raw: dict, category: str, where: str, metrics: set[str] | None) -> Indicator:
    if not isinstance(raw, dict):
        raise SchemeError(f"{where}：指标应写成键值对")
    for key in ("code", "name", "method"):
        if not str(raw.get(key, "")).strip():
            raise SchemeError(f"{where}：缺少 {key}")
    code = str(raw["code"]).strip()
    where = f"{where}（{code}）"
    method = _METHOD_NAMES.get(str(raw["method"]).strip())
    if method is None:
        raise SchemeError(f"{where}：未知的计分方式“{raw['method']}”")
    points = to_cents(raw.get("points", 0), f"{where} 分值")
    if points < 0:
        raise SchemeError(f"{where}：分值不能为负")
    if method not in (Method.VETO, Method.PENALTY) and points == 0:
        raise SchemeError(f"{where}：缺少分值 points")
    per = to_cents(raw.get("per", 0), f"{where} 每次分值")
    if method in (Method.DEDUCTION, Method.PENALTY) and per <= 0:
        raise SchemeError(f"{where}：扣分、减分项需写每次分值 per")
    floor = to_cents(raw.get("floor", 0), f"{where} 最低分")
    if not 0 <= floor <= points:
        raise SchemeError(f"{where}：最低分应在 0 与分值之间")
    metric = str(raw.get("metric", "")).strip()
    if method is Method.DERIVED:
        if not metric:
            raise SchemeError(f"{where}：系统数据项需写数据来源 metric")
        if metrics is not None and metric not in metrics:
            raise SchemeError(f"{where}：未知的数据来源“{metric}”，可用：{'、'.join(sorted(metrics))}")
    problem = str(raw.get("problem", "")).strip()
    if problem and problem not in PROBLEMS:
        raise SchemeError(f"{where}：问题类别应为 {'、'.join(PROBLEMS)} 之一")
    return Indicator(
        code=code,
        name=str(raw["name"]).strip(),
        category=category,
        method=method,
        max_cents=points,
        per_occurrence_cents=per,
        floor_cents=floor,
        metric=metric,
        problem=problem,
        note=str(raw.get("note", "")).strip(),
    )


def _group(raw: dict, index: int, scheme_raw: dict, metrics: set[str] | None) -> Group:
    where = f"第 {index} 个分组"
    if not isinstance(raw, dict) or "domain" not in raw:
        raise SchemeError(f"{where}：缺少 domain（党建类型）")
    domain = _domain(raw["domain"], where)
    level = str(raw.get("level", "") or "").strip()
    level = _LEVEL_BY_LABEL.get(level, level)
    where = f"分组“{DOMAIN_LABELS[domain]}{'·' + level if level else ''}”"
    default_lines = _lines(scheme_raw.get("grades"), "方案", (90 * CENT, 80 * CENT, 60 * CENT))
    indicators: list[Indicator] = []
    for category in raw.get("categories") or []:
        name = str(category.get("name", "")).strip() if isinstance(category, dict) else ""
        if not name:
            raise SchemeError(f"{where}：类别缺少名称 name")
        for item in category.get("indicators") or []:
            indicators.append(_indicator(item, name, f"{where}「{name}」", metrics))
    if not indicators:
        raise SchemeError(f"{where}：没有指标")
    duplicated = sorted(c for c, n in Counter(i.code for i in indicators).items() if n > 1)
    if duplicated:
        raise SchemeError(f"{where}：指标编码重复：{'、'.join(duplicated)}")
    group = Group(domain, level, tuple(indicators), _lines(raw.get("grades"), where, default_lines))
    if "total" in scheme_raw:
        total = to_cents(scheme_raw["total"], "方案总分")
        if group.base_max_cents() != total:
            got = Decimal(group.base_max_cents()) / CENT
            raise SchemeError(f"{where}：基础指标合计 {got} 分，应为 {scheme_raw['total']} 分")
    return group


def load_scheme(text: str, metrics: set[str] | None = None) -> Scheme:
    """Parse and check a scheme file; every problem is a SchemeError with a Chinese message naming its place."""
    raw = _parse_yaml(text)
    if not isinstance(raw, dict):
        raise SchemeError("方案文件应以 year、name、groups 等键开头")
    unknown = sorted(str(k) for k in raw if k not in _TOP_KEYS)
    if unknown:
        raise SchemeError(f"方案文件中有未知的键：{'、'.join(unknown)}")
    try:
        year = int(raw.get("year"))
    except (TypeError, ValueError):
        raise SchemeError("方案缺少年度 year") from None
    groups = tuple(_group(g, i, raw, metrics) for i, g in enumerate(raw.get("groups") or [], start=1))
    if not groups:
        raise SchemeError("方案没有分组 groups")
    keys = [g.key for g in groups]
    if len(set(keys)) != len(keys):
        raise SchemeError("同一党建类型（及层级）的分组重复")
    floors = {
        _domain(d, "weak_floors"): percent_to_fraction(v, f"weak_floors {d}")
        for d, v in (raw.get("weak_floors") or {}).items()
    }
    tie_rule = str(raw.get("tie_rule", "include"))
    if tie_rule not in ("include", "code"):
        raise SchemeError("tie_rule 应为 include（并列者全部列入）或 code（按编码截断）")
    survey_fail = raw.get("survey_fail_share")
    return Scheme(
        year=year,
        name=str(raw.get("name", "")).strip() or f"{year}年度考核方案",
        groups=groups,
        weak_floors=floors,
        tie_rule=tie_rule,
        bonus_cap_cents=to_cents(raw.get("bonus_cap", 0), "bonus_cap"),
        penalty_cap_cents=to_cents(raw.get("penalty_cap", 0), "penalty_cap"),
        trim_from=int(raw.get("trim_from", 5)),
        survey_fail_share=None if survey_fail in (None, "") else percent_to_fraction(survey_fail, "survey_fail_share"),
        problem_share=percent_to_fraction(raw.get("problem_share", "60%"), "problem_share"),
    )


def _points(cents: int):
    return cents // CENT if cents % CENT == 0 else float(Decimal(cents) / CENT)


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def dump_scheme(scheme: Scheme) -> str:
    """The scheme as a YAML file in the documented format; loading it gives the same scheme back."""
    groups = []
    for group in scheme.groups:
        categories: dict[str, list] = {}
        for ind in group.indicators:
            item = {"code": ind.code, "name": ind.name, "method": ind.method.value}
            if ind.max_cents:
                item["points"] = _points(ind.max_cents)
            if ind.per_occurrence_cents:
                item["per"] = _points(ind.per_occurrence_cents)
            if ind.floor_cents:
                item["floor"] = _points(ind.floor_cents)
            for key in ("metric", "problem", "note"):
                if getattr(ind, key):
                    item[key] = getattr(ind, key)
            categories.setdefault(ind.category, []).append(item)
        entry = {"domain": DOMAIN_LABELS[group.domain]}
        if group.level:
            entry["level"] = group.level
        entry["grades"] = dict(zip("ABC", (_points(c) for c in group.lines_cents), strict=True))
        entry["categories"] = [{"name": n, "indicators": items} for n, items in categories.items()]
        groups.append(entry)
    data = {
        "year": scheme.year,
        "name": scheme.name,
        "weak_floors": {DOMAIN_LABELS[d]: _percent(s) for d, s in scheme.weak_floors.items()},
        "tie_rule": scheme.tie_rule,
        "bonus_cap": _points(scheme.bonus_cap_cents),
        "penalty_cap": _points(scheme.penalty_cap_cents),
        "trim_from": scheme.trim_from,
        "problem_share": _percent(scheme.problem_share),
        "groups": groups,
    }
    if scheme.survey_fail_share is not None:
        data["survey_fail_share"] = _percent(scheme.survey_fail_share)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
