"""The assessment in batch from files, for offices that collect scores in Excel and for checking a published result.

`dangjian assess template` writes a score sheet (成绩表) for the organizations of the register that the scheme
assesses; `dangjian assess run` reads the filled sheet, runs the engine and writes the results. The rules:

- Participants are the grassroots organizations (党委、党总支、党支部、联合党支部) of the register whose domain (and
  level) the scheme has a group for, under `--root` if given, within the data scope of `--as` if given (without it,
  the whole register, as for the other console commands). Sorted by path, as the tree shows them.
- The sheet: row 1 is the header (组织编码, 组织名称, 党建类型, one column per indicator of all groups in scheme order
  headed "编码 名称", then 上年软弱涣散); row 2 gives each indicator's maximum and how to fill it; a cell of an
  indicator that does not apply to the row's group is grey and must stay blank. A 说明 sheet explains each method.
- Reading finds the header row by its 组织编码 cell (a title row above it is fine) and each indicator column by the
  code at the start of its header, so columns may be moved or renamed after the code; other columns are ignored.
- Cells: given items take points, several raters' points separated by 、 or / (combined by the engine: trimmed mean
  from `trim_from` raters up); deduction and penalty items the number of occurrences (blank: none); yes/no and veto
  items 是/否 (blank veto: not triggered); bonus items points (blank: none); derived items points (blank: 0 — the file
  mode has no records to compute them from); survey items the satisfaction percentage (85%, 85 or 0.85) or the
  counts 满意/基本满意/不满意 as "a/b/c". Given, yes/no and survey cells must be filled: a forgotten cell would
  otherwise silently count as 0 and shift the weak list. Full-width digits and stray spaces are accepted.
- Every eligible organization must have exactly one row: the weak floors are shares of all organizations of a domain,
  so a missing row would change the arithmetic. A code that is not in the register and one outside the `--as` scope
  get the same message, so the file mode never reveals what a user may not see.
- Any problem: every one is reported with its row and column, and no output file is written. Output is written to a
  temporary file next to the target and renamed only when complete, so a failure never leaves a partial file.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from dangjian.orgs.choices import GRASSROOTS_KINDS, Domain, Level, OrgKind
from dangjian.orgs.models import Organization
from dangjian.sheets import normalize
from dangjian.sheets.columns import header_key
from dangjian.sheets.read import SheetError, raw_rows

from .engine import DOMAIN_LABELS, EntryError, OrgEntry, RunResult, Survey, run
from .scheme import CENT, Indicator, Method, Scheme, SchemeError, cents_to_decimal
from .schemefile import MAX_SCHEME_BYTES, TOO_LARGE, load_scheme

CODE_HEADER = "组织编码"
NAME_HEADER = "组织名称"
DOMAIN_HEADER = "党建类型"
PREVIOUS_HEADER = "上年软弱涣散"
MAX_MARK = "满分"  # the 组织编码 cell of the maxima row: the reader skips that row
HEADER_SCAN_ROWS = 10
MAX_SHOWN_MISSING = 30
# Cells that must be filled: anything else has a sensible blank (no occurrences, not triggered, no bonus, 0).
REQUIRED_METHODS = {Method.GIVEN, Method.YESNO, Method.SURVEY}
RATER_SEPARATORS = re.compile(r"[、/,;]")  # after NFKC folding ／，； are / , ;
SURVEY_COUNTS = re.compile(r"(\d+)/(\d+)/(\d+)")


class BatchError(ValueError):
    """Input that cannot be assessed; `problems` lists every one in Chinese, with row and column where there is one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class BatchOrg:
    """An organization of the register taking part: what the engine and the sheets need of it."""

    code: str
    name: str
    domain: str
    level: str
    parent_code: str
    second_tier: bool  # a branch under a general branch or a grassroots committee: its parent answers too

    def entry(self, weak_last_year: bool = False) -> OrgEntry:
        return OrgEntry(
            code=self.code,
            name=self.name,
            domain=self.domain,
            level=self.level,
            parent_code=self.parent_code,
            second_tier=self.second_tier,
            weak_last_year=weak_last_year,
        )


# ── The scheme and the register ──────────────────────────────────────────────────────────────────────────────


def read_scheme(path: Path | str) -> Scheme:
    """The scheme YAML file at `path`; BatchError with the file's problem in Chinese."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_SCHEME_BYTES:  # before reading it all into memory
            raise BatchError([f"方案文件“{path.name}”：{TOO_LARGE}"])
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BatchError([f"方案文件“{path}”不存在"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchError([f"无法读取方案文件“{path}”（{type(exc).__name__}），应为 UTF-8 编码的 YAML 文件"]) from None
    try:
        return load_scheme(text)
    except SchemeError as exc:
        raise BatchError([f"方案文件“{path.name}”：{exc}"]) from None


def sheet_indicators(scheme: Scheme) -> list[Indicator]:
    """One column per indicator code over all groups, in scheme order. Groups share indicators by code (the example
    scheme's YAML anchors), so a code must mean the same item wherever it appears."""
    by_code: dict[str, Indicator] = {}
    problems = []
    for group in scheme.groups:
        for ind in group.indicators:
            seen = by_code.setdefault(ind.code, ind)
            same = (seen.name, seen.method, seen.max_cents, seen.per_occurrence_cents)
            if same != (ind.name, ind.method, ind.max_cents, ind.per_occurrence_cents):
                problems.append(f"指标编码 {ind.code} 在不同分组中名称、计分方式或分值不同，无法合成一张成绩表")
    if problems:
        raise BatchError(sorted(set(problems)))
    return list(by_code.values())


def _visible(user):
    return Organization.objects.restrict(user) if user is not None else Organization.objects.all()


def unknown_code_message(code: str) -> str:
    # The same words for "no such organization" and "not yours to see": existence is not revealed.
    return f"组织编码“{code}”在组织库中不存在或不在您的数据范围内"


def find_root(code: str, user=None) -> Organization:
    """The organization `--root` names, looked up within the user's scope."""
    root = _visible(user).filter(code=normalize.code(code)).first()
    if root is None:
        raise BatchError([unknown_code_message(code)])
    return root


def batch_orgs(scheme: Scheme, *, root: Organization | None = None, user=None) -> list[BatchOrg]:
    """The grassroots organizations the scheme assesses, under `root`, within `user`'s scope, sorted by path."""
    domains = {group.domain for group in scheme.groups}
    orgs = _visible(user).filter(kind__in=GRASSROOTS_KINDS, domain__in=domains)
    if root is not None:
        orgs = orgs.in_subtree(root)
    rows = orgs.order_by("path").values_list("code", "name", "domain", "level", "kind", "parent__code", "parent__kind")
    result = []
    for code, name, domain, level, kind, parent_code, parent_kind in rows.iterator(chunk_size=5000):
        if scheme.group_for(domain, level) is None:
            continue
        second_tier = kind in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH) and parent_kind in (
            OrgKind.GENERAL_BRANCH,
            OrgKind.COMMITTEE,
        )
        result.append(BatchOrg(code, name, domain, level, parent_code or "", second_tier))
    return result


def _why_not_taking_part(codes: set[str], scheme: Scheme, root: Organization | None, user) -> dict[str, str]:
    """For sheet codes that are not participants, the reason in words (only for organizations the user may see)."""
    reasons = {}
    ordered = sorted(codes)
    found = []
    for start in range(0, len(ordered), 500):  # SQLite limits the parameters of one query
        chunk = ordered[start : start + 500]
        fields = ("code", "name", "kind", "domain", "level", "path")
        found += _visible(user).filter(code__in=chunk).values_list(*fields)
    for code, name, kind, domain, level, path in found:
        if root is not None and not path.startswith(root.path):
            reasons[code] = f"“{name}”（{code}）不在 {root.name} 之下"
        elif kind not in GRASSROOTS_KINDS:
            reasons[code] = f"“{name}”（{code}）是{OrgKind(kind).label}，不参加基层党组织考核"
        elif scheme.group_for(domain, level) is None:
            label = DOMAIN_LABELS.get(domain, "") or "未填党建类型"
            reasons[code] = f"“{name}”（{code}）的党建类型为{label}，方案中没有该类型的分组"
    return reasons


# ── Reading the filled sheet ──────────────────────────────────────────────────────────────────────────────────


@dataclass
class Scores:
    """A read score sheet, ready for the engine."""

    entries: list[OrgEntry]
    values: dict[tuple[str, str], object]
    surveys: dict[str, Survey]


@dataclass
class _Layout:
    code: int
    name: int | None
    domain: int | None
    previous: int | None
    indicators: dict[int, Indicator]


def _cell(cells: list, index: int | None):
    if index is None or index >= len(cells):
        return None
    value = cells[index]
    return None if value == "" else value


def _indicator_for_header(text: str, indicators: list[Indicator]) -> Indicator | None:
    """The indicator whose code starts the header ("T01 班子配备齐全", "T01班子配备齐全", "t01")."""
    key = header_key(text)
    for ind in sorted(indicators, key=lambda i: -len(i.code)):
        code = header_key(ind.code)
        if key == code:
            return ind
        # "T01班子…" is T01, "T010" is not: the code must end where a letter or digit of it could not go on.
        if key.startswith(code) and not (key[len(code)].isascii() and key[len(code)].isalnum()):
            return ind
    return None


def _layout(cells: list, indicators: list[Indicator], problems: list[str]) -> _Layout:
    fixed = {header_key(CODE_HEADER): "code", header_key(NAME_HEADER): "name", header_key(DOMAIN_HEADER): "domain"}
    fixed |= {header_key(h): "previous" for h in (PREVIOUS_HEADER, "上年是否软弱涣散", "上年度软弱涣散")}
    found: dict[str, int] = {}
    columns: dict[int, Indicator] = {}
    taken: dict[str, int] = {}
    for index, cell in enumerate(cells):
        text = normalize.text(cell)
        if not text:
            continue
        role = fixed.get(header_key(text))
        if role is not None:
            found.setdefault(role, index)
            continue
        ind = _indicator_for_header(text, indicators)
        if ind is None:
            continue  # a note column or the like
        if ind.code in taken:
            problems.append(f"指标 {ind.code} 有两列（第 {taken[ind.code] + 1} 列和第 {index + 1} 列），请只保留一列")
            continue
        taken[ind.code] = index
        columns[index] = ind
    return _Layout(found["code"], found.get("name"), found.get("domain"), found.get("previous"), columns)


def _decimal(value) -> Decimal:
    """A number from a cell: floats from formulas (8.299999999999999) are taken at six decimals first."""
    if isinstance(value, float):
        value = round(value, 6)
    raw = normalize.folded(value)
    number = Decimal(raw)
    if not number.is_finite():
        raise InvalidOperation
    return number


def _shown(cents: int) -> str:
    return f"{cents_to_decimal(cents).normalize():f}"


def _points(value, ind: Indicator) -> int:
    """Points as centipoints, 0..the indicator's maximum; normalize.CellError in words otherwise."""
    try:
        number = _decimal(value)
    except (InvalidOperation, ValueError):
        raise normalize.CellError(f"“{normalize.text(value)}”不是数字") from None
    if number < 0:
        raise normalize.CellError(f"{number.normalize():f} 不能为负数")
    if number * CENT != (number * CENT).to_integral_value():
        raise normalize.CellError(f"{normalize.text(value)} 最多保留两位小数")
    cents = int(number * CENT)
    if cents > ind.max_cents:
        raise normalize.CellError(f"{number.normalize():f} 超过满分 {_shown(ind.max_cents)} 分")
    return cents


def _survey(value) -> Survey:
    """Counts "满意/基本满意/不满意" as a/b/c, or a satisfaction percentage (85%, 85, 0.85) as shares of 10,000
    answers; a percentage cannot say who was dissatisfied beyond the rest, so the rest counts as dissatisfied."""
    raw = normalize.folded(value)
    counts = SURVEY_COUNTS.fullmatch(raw)
    if counts:
        survey = Survey(*(int(n) for n in counts.groups()))
        if not survey.answers:
            raise normalize.CellError(f"“{raw}”中没有有效问卷")
        return survey
    try:
        number = Decimal(raw[:-1]) if raw.endswith("%") else _decimal(value)
        if not raw.endswith("%") and number <= 1:
            number *= 100  # 0.85 is 85%
    except (InvalidOperation, ValueError):
        raise normalize.CellError(
            f"“{normalize.text(value)}”应为满意率（如 85%）或“满意/基本满意/不满意”人数（如 30/5/2）"
        ) from None
    if not 0 <= number <= 100:
        raise normalize.CellError(f"满意率 {number.normalize():f}% 应在 0 到 100% 之间")
    satisfied = int((number * 100).to_integral_value(rounding=ROUND_HALF_UP))
    return Survey(satisfied=satisfied, dissatisfied=10000 - satisfied)


def _value(value, ind: Indicator):
    """What the engine takes for one filled cell (see engine.run); CellError for a bad one."""
    method = ind.method
    if method is Method.GIVEN:
        parts = [p for p in RATER_SEPARATORS.split(normalize.folded(value))] if isinstance(value, str) else [value]
        if any(p == "" for p in parts):
            raise normalize.CellError(f"“{normalize.text(value)}”中有空的评分")
        return [_points(p, ind) for p in parts]
    if method in (Method.DEDUCTION, Method.PENALTY):
        try:
            count = normalize.integer(normalize.folded(value).removesuffix("次") if isinstance(value, str) else value)
        except normalize.CellError:
            raise normalize.CellError(f"“{normalize.text(value)}”应为次数（不小于 0 的整数）") from None
        return count
    if method in (Method.YESNO, Method.VETO):
        return normalize.boolean(value)
    if method is Method.BONUS:
        return _points(value, ind)
    if method is Method.DERIVED:
        return Decimal(_points(value, ind)) / Decimal(ind.max_cents)
    if method is Method.SURVEY:
        return _survey(value)
    raise AssertionError(method)


def _rows(path: Path | str) -> Iterator[tuple[int, list]]:
    if not Path(path).is_file():
        raise BatchError([f"成绩表“{path}”不存在"])
    try:
        rows, _height = raw_rows(path)
        yield from rows
    except SheetError as exc:
        raise BatchError([str(exc)]) from None


def read_scores(
    scheme: Scheme, path: Path | str, people: list[BatchOrg], *, root: Organization | None = None, user=None
) -> Scores:
    """Read and check a filled score sheet against the scheme and the participants; BatchError lists every problem."""
    indicators = sheet_indicators(scheme)
    problems: list[str] = []
    rows = _rows(path)
    head = []
    layout = None
    for number, cells in rows:
        head.append((number, cells))
        if any(header_key(normalize.text(c)) == header_key(CODE_HEADER) for c in cells):
            layout = _layout(cells, indicators, problems)
            break
        if len(head) >= HEADER_SCAN_ROWS:
            break
    if layout is None:
        raise BatchError([f"未找到「{CODE_HEADER}」列：前 {HEADER_SCAN_ROWS} 行中没有表头为「{CODE_HEADER}」的单元格"])

    by_code = {p.code: p for p in people}
    seen: dict[str, int] = {}
    unknown: dict[str, int] = {}
    entries: list[OrgEntry] = []
    values: dict[tuple[str, str], object] = {}
    surveys: dict[str, Survey] = {}
    used: set[str] = set()  # indicators some row's group has
    for number, cells in rows:
        if all(normalize.text(c) == "" for c in cells):
            continue
        code = normalize.code(_cell(cells, layout.code))
        if code == MAX_MARK:
            continue
        if not code:
            problems.append(f"第 {number} 行：未填组织编码")
            continue
        if code in seen:
            problems.append(f"第 {number} 行：组织编码 {code} 与第 {seen[code]} 行重复")
            continue
        seen[code] = number
        person = by_code.get(code)
        if person is None:
            unknown[code] = number
            continue
        group = scheme.group_for(person.domain, person.level)
        used |= {ind.code for ind in group.indicators}
        problems += _check_identity(number, cells, layout, person)
        problems += _read_row(number, cells, layout, person, group, values, surveys)
        previous = False
        try:
            previous = bool(normalize.boolean(_cell(cells, layout.previous)))
        except normalize.CellError as exc:
            problems.append(f"第 {number} 行「{PREVIOUS_HEADER}」：{exc}")
        entries.append(person.entry(weak_last_year=previous))

    present = set(layout.indicators.values())
    for ind in indicators:
        if ind.code in used and ind.method in REQUIRED_METHODS and ind not in present:
            problems.append(f"缺少指标列「{ind.code} {ind.name}」（{_how(ind)}）")
    if unknown:
        reasons = _why_not_taking_part(set(unknown), scheme, root, user)
        for code, number in unknown.items():
            problems.append(f"第 {number} 行：{reasons.get(code) or unknown_code_message(code)}")
    missing = [p for p in people if p.code not in seen]
    if missing:
        shown = "、".join(f"{p.code} {p.name}" for p in missing[:MAX_SHOWN_MISSING])
        more = f"等共 {len(missing)} 个" if len(missing) > MAX_SHOWN_MISSING else f"共 {len(missing)} 个"
        problems.append(f"成绩表缺少参加考核的组织：{shown}（{more}；每个组织都应有一行，否则比例线无从计算）")
    if problems:
        raise BatchError(problems)
    return Scores(entries, values, surveys)


def _read_row(number: int, cells: list, layout: _Layout, person: BatchOrg, group, values: dict, surveys: dict):
    """Put one row's indicator cells into `values` and `surveys`; return the row's problems."""
    problems = []
    applies = {ind.code for ind in group.indicators}
    for index, ind in layout.indicators.items():
        raw = _cell(cells, index)
        where = f"第 {number} 行「{ind.code} {ind.name}」"
        if ind.code not in applies:
            if normalize.text(raw):
                problems.append(f"{where}：该项不适用于{group_label(group)}党组织，应留空")
            continue
        if normalize.text(raw) == "":
            if ind.method in REQUIRED_METHODS:
                problems.append(f"{where}：未填写（{_how(ind)}）")
            continue
        try:
            value = _value(raw, ind)
        except normalize.CellError as exc:
            problems.append(f"{where}：{exc}")
            continue
        if isinstance(value, Survey):
            if person.code in surveys and surveys[person.code] != value:
                problems.append(f"{where}：同一组织的满意度各项应相同")
            surveys[person.code] = value
        else:
            values[(person.code, ind.code)] = value
    return problems


def group_label(group) -> str:
    """ "农村" or, for a group of one level, "农村（乡镇（街道））"."""
    level = Level(group.level).label if group.level in Level.values else group.level
    return DOMAIN_LABELS[group.domain] + (f"（{level}）" if level else "")


def _check_identity(number: int, cells: list, layout: _Layout, person: BatchOrg) -> list[str]:
    """The row's name and domain, where filled, must be the register's: a mistyped code shows up here."""
    problems = []
    domain_raw = _cell(cells, layout.domain)
    if normalize.text(domain_raw):
        try:
            domain = normalize.choice(domain_raw, tuple(Domain.choices))
        except normalize.CellError:
            domain = None
            labels = "、".join(DOMAIN_LABELS.values())
            problems.append(
                f"第 {number} 行「{DOMAIN_HEADER}」：未知的党建类型“{normalize.text(domain_raw)}”，应为 {labels} 之一"
            )
        if domain and domain != person.domain:
            problems.append(
                f"第 {number} 行「{DOMAIN_HEADER}」：{person.code} {person.name} "
                f"在组织库中是“{DOMAIN_LABELS[person.domain]}”，成绩表中填的是“{DOMAIN_LABELS[domain]}”"
            )
    name = normalize.text(_cell(cells, layout.name))
    if name and name.replace(" ", "") != person.name.replace(" ", ""):
        problems.append(
            f"第 {number} 行「{NAME_HEADER}」：“{name}”与组织库中 {person.code} 的名称“{person.name}”不一致，"
            "请核对组织编码"
        )
    return problems


def _how(ind: Indicator) -> str:
    """How a cell of this indicator is filled, in words (for the 说明 sheet and messages)."""
    top, per, floor = _shown(ind.max_cents), _shown(ind.per_occurrence_cents), _shown(ind.floor_cents)
    return {
        Method.GIVEN: f"填得分 0～{top}；多位评分人的分数用“、”或“/”隔开",
        Method.DEDUCTION: f"填次数，每次扣 {per} 分，最低 {floor} 分；留空为 0 次",
        Method.DERIVED: f"填得分 0～{top}；留空按 0 分（文件方式无法从系统数据计算）",
        Method.SURVEY: "填满意率（如 85%）或“满意/基本满意/不满意”人数（如 30/5/2）",
        Method.YESNO: f"填“是”（得 {top} 分）或“否”（0 分）",
        Method.BONUS: f"填加分 0～{top}；留空为不加分",
        Method.PENALTY: f"填次数，每次减 {per} 分；留空为 0 次",
        Method.VETO: "填“是”（触发，等次定为 D）或“否”；留空为否",
    }[ind.method]


def max_label(ind: Indicator) -> str:
    """The maxima row's cell: "10", "10（填次数，每次扣2分）", "是/否", "每次3分", "≤3"."""
    top = _shown(ind.max_cents)
    return {
        Method.GIVEN: top,
        Method.DEDUCTION: f"{top}（填次数，每次扣{_shown(ind.per_occurrence_cents)}分）",
        Method.DERIVED: f"{top}（可留空）",
        Method.SURVEY: f"{top}（满意率或人数）",
        Method.YESNO: "是/否",
        Method.BONUS: f"≤{top}",
        Method.PENALTY: f"每次{_shown(ind.per_occurrence_cents)}分",
        Method.VETO: "是/否",
    }[ind.method]


# ── Running ──────────────────────────────────────────────────────────────────────────────────────────────────


def assess_file(scheme: Scheme, path: Path | str, people: list[BatchOrg], *, root=None, user=None) -> RunResult:
    """Read the sheet and run the engine; BatchError for any problem of the input."""
    scores = read_scores(scheme, path, people, root=root, user=user)
    try:
        return run(scheme, scores.entries, scores.values, scores.surveys)
    except EntryError as exc:  # read_scores checks everything the engine does; kept as a safety net
        raise BatchError(exc.problems) from None


@contextlib.contextmanager
def atomic_output(out: Path | str) -> Iterator[Path]:
    """A temporary path next to `out`, renamed to `out` when the block succeeds and removed when it fails."""
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise BatchError([f"输出文件“{out.name}”应以 .xlsx 结尾"])
    if not out.parent.is_dir():
        raise BatchError([f"输出目录“{out.parent}”不存在"])
    handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}-", suffix=".part")
    os.close(handle)
    tmp = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o666 & ~umask)  # mkstemp makes it private; the result is an ordinary file, as `open` would make it
    try:
        yield tmp
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
