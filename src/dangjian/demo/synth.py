"""Synthetic regions of any size for load and performance work (`dangjian gen`).

Shape: one city → counties (~2,500 organizations each) → towns (~125 each) → village branches, general
branches and committees with their branches, so 300,000 organizations sit five levels deep. Members are
spread over the branches. On PostgreSQL rows go in with COPY and explicit ids, members generated in
worker processes; elsewhere with bulk_create.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from dangjian.core.audit import record
from dangjian.core.models import AuditAction
from dangjian.members import rollups
from dangjian.members.models import Member
from dangjian.orgs.choices import ALLOWED_PARENTS, Domain, Level, OrgKind, default_term_years
from dangjian.orgs.models import Organization, OrgTally, path_segment

from .identity import Sealer, check_digit, phone_number
from .names import GIVEN_COMMON, GIVEN_FEMALE, GIVEN_MALE, SURNAMES, VILLAGE_WORDS
from .synth_dues import generate_dues
from .writer import copy_text, reset_sequences, uses_copy

K = OrgKind
COUNTY_SIZE = 2_500
TOWN_SIZE = 125
CHUNK = 50_000  # members per generated chunk
MAX_MEMBERS = 20_000 * 499  # ID numbers stay unique by construction up to this many (see _member_row)

ORG_COLUMNS = (
    "id",
    "name",
    "code",
    "kind",
    "domain",
    "level",
    "parent_id",
    "path",
    "depth",
    "established",
    "term_start",
    "term_years",
    "committee_seats",
    "staff_total",
    "party_staff_fulltime",
    "party_staff_parttime",
    "unit_count",
    "has_discipline_committee",
    "activity_funds",
    "address",
    "system_tier",
    "created_at",
    "updated_at",
)
MEMBER_COLUMNS = (
    "id",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "education",
    "id_number",
    "id_number_digest",
    "phone",
    "phone_digest",
    "org_id",
    "status",
    "join_date",
    "full_date",
    "is_mobile",
    "mobile_destination",
    "is_untransferred",
    "is_retired",
    "job",
    "created_at",
    "updated_at",
)


@dataclass
class OrgRow:
    id: int
    parent: OrgRow | None
    path: str
    kind: str
    name: str
    code: str
    domain: str
    level: str
    term_start: datetime.date | None
    term_years: int | None


class SynthTree:
    """Plans `total` organizations exactly, with ids from 1 and paths computed as the services do."""

    def __init__(self, total: int, rng: random.Random, today: datetime.date) -> None:
        self.total = total
        self.rng = rng
        self.today = today
        self.rows: list[OrgRow] = []

    def add(self, parent: OrgRow | None, kind: str, name: str, domain: str, level: str) -> OrgRow:
        if (parent.kind if parent else None) not in ALLOWED_PARENTS[kind]:  # the rule of orgs.rules.check_parent
            raise ValueError(f"{kind} under {parent.kind if parent else None}")
        pk = len(self.rows) + 1
        term_years = default_term_years(kind, domain)  # the catalog's terms: bulk generation reads no rulebook
        start = self.today - datetime.timedelta(days=self.rng.randint(0, 365 * (term_years or 3) + 200))
        row = OrgRow(
            pk,
            parent,
            (parent.path if parent else "") + path_segment(pk),
            kind,
            name,
            f"G{pk:09d}",
            domain,
            level,
            start,
            term_years,
        )
        self.rows.append(row)
        return row

    def left(self) -> int:
        return self.total - len(self.rows)

    def build(self) -> list[OrgRow]:
        city = self.add(None, K.CITY_COMMITTEE, "合成市委", "", Level.CITY)
        counties = max(1, round(self.left() / COUNTY_SIZE))
        for c in range(counties):
            budget = self.left() // (counties - c)
            self.county(city, c + 1, budget)
        return self.rows

    def county(self, city: OrgRow, n: int, budget: int) -> None:
        stop = len(self.rows) + budget
        county = self.add(city, K.COUNTY_COMMITTEE, f"合成市第{n}县委", "", Level.COUNTY)
        if len(self.rows) < stop:
            work = self.add(county, K.AGENCY_WORK_COMMITTEE, f"第{n}县直属机关工委", "", Level.COUNTY)
            for i in range(min(budget // 12, stop - len(self.rows))):
                self.add(work, K.BRANCH, f"第{n}县机关第{i + 1}党支部", Domain.AGENCY, Level.COUNTY)
        towns = max(1, (stop - len(self.rows)) // TOWN_SIZE)
        for t in range(towns):
            town_budget = (stop - len(self.rows)) // (towns - t)
            if town_budget <= 0:
                break
            self.town(county, n, t + 1, len(self.rows) + town_budget)

    def town(self, county: OrgRow, n: int, t: int, stop: int) -> None:
        rng = self.rng
        town = self.add(county, K.TOWN_COMMITTEE, f"第{n}县第{t}镇党委", "", Level.TOWN)
        prefix = f"第{n}县第{t}镇"
        v = 0
        while len(self.rows) < stop:
            roll = rng.random()
            room = stop - len(self.rows)
            if roll < 0.08 and room >= 4:
                kids = min(room - 1, rng.randint(2, 4))
                gb = self.add(town, K.GENERAL_BRANCH, f"{prefix}{self.word(v)}村党总支", Domain.VILLAGE, Level.VILLAGE)
                for i in range(kids):
                    self.add(gb, K.BRANCH, f"{gb.name[:-3]}第{i + 1}党支部", Domain.VILLAGE, Level.VILLAGE)
            elif roll < 0.12 and room >= 5:
                kids = min(room - 1, rng.randint(3, 8))
                com = self.add(
                    town, K.COMMITTEE, f"{prefix}{self.word(v)}公司党委", Domain.STATE_ENTERPRISE, Level.TOWN
                )
                for i in range(kids):
                    self.add(com, K.BRANCH, f"{com.name[:-2]}第{i + 1}党支部", Domain.STATE_ENTERPRISE, Level.TOWN)
            elif roll < 0.22:
                self.add(
                    town,
                    K.JOINT_BRANCH,
                    f"{prefix}{self.word(v)}企业联合党支部",
                    Domain.NON_PUBLIC,
                    Level.TOWN,
                )
            elif roll < 0.30:
                self.add(town, K.BRANCH, f"{prefix}{self.word(v)}社区党支部", Domain.COMMUNITY, Level.VILLAGE)
            else:
                self.add(town, K.BRANCH, f"{prefix}{self.word(v)}村党支部", Domain.VILLAGE, Level.VILLAGE)
            v += 1

    @staticmethod
    def word(v: int) -> str:
        word = VILLAGE_WORDS[v % len(VILLAGE_WORDS)]
        return word if v < len(VILLAGE_WORDS) else f"{word}{v // len(VILLAGE_WORDS) + 1}"


def _org_tuple(row: OrgRow, now: str) -> tuple:
    return (
        row.id,
        row.name,
        row.code,
        row.kind,
        row.domain,
        row.level,
        row.parent.id if row.parent else None,
        row.path,
        row.path.count(".") - 1,
        None,
        row.term_start,
        row.term_years,
        0,
        0,
        0,
        0,
        1,
        False,
        0,
        "",
        "",
        now,
        now,
    )


def _text(values: tuple) -> str:
    """One COPY text line. Generated values hold no tabs, newlines or backslashes."""
    out = []
    for v in values:
        if v is None:
            out.append("\\N")
        elif v is True:
            out.append("t")
        elif v is False:
            out.append("f")
        else:
            out.append(str(v))
    return "\t".join(out) + "\n"


# -- members ------------------------------------------------------------------------------------------------

_SURNAME_POOL = SURNAMES[:60] * 3 + SURNAMES  # common surnames more often
_EDU = ("primary", "junior", "junior", "senior", "senior", "college", "bachelor", "bachelor", "postgraduate")


@dataclass(frozen=True)
class MemberChunk:
    seed: int
    first_index: int  # global member index (0-based) of the chunk's first member
    first_id: int
    segments: tuple[tuple[int, int], ...]  # (org id, members in this chunk)
    today_ordinal: int
    now: str


def member_rows(chunk: MemberChunk, sealer: Sealer, seal: bool = True) -> Iterator[tuple]:
    """Members of one chunk, deterministic for the chunk's seed. ID numbers are unique by construction:
    the member index fixes the area code (20,000 fictional codes) and the sequence number."""
    rng = random.Random(chunk.seed)
    rand, randint, choice = rng.random, rng.randint, rng.choice
    today = chunk.today_ordinal
    i = chunk.first_index
    pk = chunk.first_id
    for org_id, count in chunk.segments:
        for _ in range(count):
            male = rand() < 0.7
            age_days = randint(20 * 365, 85 * 365)
            birth = datetime.date.fromordinal(today - age_days)
            area_num = i % 20_000
            k = i // 20_000
            area = f"{98 + area_num // 10_000}{area_num % 10_000:04d}"
            body = f"{area}{birth:%Y%m%d}{2 * k + (1 if male else 2):03d}"
            id_no = body + check_digit(body)
            phone = phone_number(i)
            name = choice(_SURNAME_POOL) + (
                choice(GIVEN_MALE if male else GIVEN_FEMALE)
                if rand() < 0.25
                else choice(GIVEN_COMMON) + choice(GIVEN_MALE if male else GIVEN_FEMALE)
            )
            probationary = rand() < 0.05
            join = today - (randint(20, 360) if probationary else randint(400, max(401, age_days - 19 * 365)))
            retired = age_days > 60 * 365
            yield (
                pk,
                name,
                "male" if male else "female",
                birth,
                "汉族" if rand() < 0.92 else "满族",
                choice(_EDU),
                sealer.seal(id_no) if seal else id_no,
                sealer.digest(id_no),
                sealer.seal(phone) if seal else phone,
                sealer.digest(phone),
                org_id,
                "probationary" if probationary else "full",
                datetime.date.fromordinal(join),
                None if probationary else datetime.date.fromordinal(join + 365),
                rand() < 0.03,
                "",
                rand() < 0.01,
                retired,
                "离退休人员" if retired else "",
                chunk.now,
                chunk.now,
            )
            i += 1
            pk += 1


def _chunk_text(chunk: MemberChunk) -> tuple[str, int]:
    sealer = Sealer()
    lines = [_text(row) for row in member_rows(chunk, sealer)]
    return "".join(lines), len(lines)


def plan_member_chunks(
    holders: list[int], members: int, rng: random.Random, seed: int, today: datetime.date, now: str
) -> list[MemberChunk]:
    """Spread `members` over the holder organizations (uneven, as branches are) and cut them into chunks."""
    weights = [rng.uniform(0.3, 1.7) for _ in holders]
    total_w = sum(weights)
    counts = [int(members * w / total_w) for w in weights]
    for j in range(members - sum(counts)):
        counts[j % len(counts)] += 1
    chunks: list[MemberChunk] = []
    segs: list[tuple[int, int]] = []
    in_chunk = 0
    index = 0
    for org_id, count in zip(holders, counts, strict=True):
        while count:
            take = min(count, CHUNK - in_chunk)
            segs.append((org_id, take))
            count -= take
            in_chunk += take
            if in_chunk == CHUNK:
                chunks.append(
                    MemberChunk(seed * 100_003 + len(chunks), index, index + 1, tuple(segs), today.toordinal(), now)
                )
                index += in_chunk
                segs, in_chunk = [], 0
    if segs:
        chunks.append(MemberChunk(seed * 100_003 + len(chunks), index, index + 1, tuple(segs), today.toordinal(), now))
    return chunks


def generate(orgs: int, members: int, seed: int, log: Callable[[str], None], dues: bool = False) -> dict:
    """Fill an empty database with a synthetic region (with `dues`, a year of dues records too). Returns counts
    and timings."""
    if members > MAX_MEMBERS:
        raise ValueError(f"members must not exceed {MAX_MEMBERS}")
    started = time.monotonic()
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now().isoformat()
    rows = SynthTree(orgs, rng, today).build()
    holders = [r.id for r in rows if r.kind in (K.BRANCH, K.JOINT_BRANCH)]
    log(f"组织树已规划：{len(rows)} 个组织，其中 {len(holders)} 个党支部（{time.monotonic() - started:.1f} 秒）")
    chunks = plan_member_chunks(holders, members, rng, seed, today, now) if members else []

    with transaction.atomic():
        if uses_copy():
            payload = "".join(_text(_org_tuple(r, now)) for r in rows)
            copy_text(Organization._meta.db_table, ORG_COLUMNS, payload)
        else:
            Organization.objects.bulk_create(
                [Organization(**dict(zip(ORG_COLUMNS[:-2], _org_tuple(r, now)[:-2], strict=True))) for r in rows],
                batch_size=2_000,
            )
        log(f"已写入组织 {len(rows)} 个（{time.monotonic() - started:.1f} 秒）")
        written = 0
        if uses_copy():
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(max(1, (os.cpu_count() or 2))) as pool:
                for payload, n in pool.imap(_chunk_text, chunks):
                    copy_text(Member._meta.db_table, MEMBER_COLUMNS, payload)
                    written += n
                    log(f"  党员 {written}/{members}（{time.monotonic() - started:.0f} 秒）")
        else:
            sealer = Sealer()
            for chunk in chunks:
                batch = []
                # bulk_create seals the clear values itself; only the digests are computed here.
                for row in member_rows(chunk, sealer, seal=False):
                    batch.append(Member(**dict(zip(MEMBER_COLUMNS[:-2], row[:-2], strict=True))))
                Member.objects.bulk_create(batch, batch_size=2_000)
                written += len(batch)
                log(f"  党员 {written}/{members}（{time.monotonic() - started:.0f} 秒）")
        reset_sequences(Organization, Member)
        tallied = rollups.rebuild()  # the roll-ups (orgs.tally) of what was written in bulk, in this transaction
        log(f"已汇总组织和党员数 {tallied} 项（{time.monotonic() - started:.1f} 秒）")
        dues_counts = generate_dues(seed, today, now, log) if dues else {}
        record(
            AuditAction.IMPORT,
            org=Organization.objects.get(pk=1),
            username="gen",
            detail=f"生成合成数据（种子 {seed}）：党组织 {len(rows)} 个，党员 {written} 名"
            + (f"，党费缴纳 {dues_counts['payments']} 条" if dues else ""),
            after={"seed": seed, "orgs": len(rows), "members": written, **dues_counts},
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Organization._meta.db_table}")
            cursor.execute(f"ANALYZE {Member._meta.db_table}")
            cursor.execute(f"ANALYZE {OrgTally._meta.db_table}")  # its plans read a few rows by organization
    return {"orgs": len(rows), "members": written, **dues_counts, "seconds": time.monotonic() - started}
