"""The demo region: 示范市 with the Mohe-shaped 漠北县 [004] and the smaller 河西区.

漠北县 has exactly 228 grassroots organizations (39 directly under the county committee, 189 below,
as in [004]) across the six domains; its towns have 党建工作站 covering 3–5 villages each [003]; the
tax system 市局 → 县区局 → 分局 runs across the affiliation tree, with sub-bureau branches belonging
to town committees, so the broken chain of [000] shows.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from dangjian.orgs.choices import Domain, Level, OrgKind, SystemTier
from dangjian.orgs.models import Organization, VerticalSystem, Workstation

from .names import COMMUNITY_WORDS, FIRM_WORDS, VILLAGE_WORDS, person_name, unique_words
from .tree import TreePlan

CITY_NAME = "示范市委"
MOHE_NAME = "示范市漠北县委"
HEXI_NAME = "示范市河西区委"
DEMO_TOWN_NAME = "漠北县松岭镇党委"
DEMO_BRANCH_NAME = "漠北县松岭镇青松村党支部"

# Fictional area codes (no province code starts with 99); they prefix org codes and ID numbers.
CITY_AREA, MOHE_AREA, HEXI_AREA = "990100", "990121", "990102"
MOHE_GRASSROOTS = 228
MOHE_MEMBERS = 2754
HEXI_MEMBERS = 700
CITY_MEMBERS = 200

CN_NUM = "一二三四五六七八九十"
K, D, L = OrgKind, Domain, Level


@dataclass
class Region:
    """What the builder made, for the member and user steps and the summary."""

    plan: TreePlan
    city: Organization
    counties: dict[str, Organization]
    # org id -> (area code, size range of its members, domain) for organizations that hold members
    holders: dict[int, tuple[str, tuple[int, int], str]] = field(default_factory=dict)
    fixed_sizes: dict[int, int] = field(default_factory=dict)  # deliberately oversized branches
    member_targets: dict[str, int] = field(default_factory=dict)  # area code -> members wanted
    towns: list[Organization] = field(default_factory=list)
    workstations: list[tuple[Workstation, list[int]]] = field(default_factory=list)
    systems: list[VerticalSystem] = field(default_factory=list)
    orgs_by_name: dict[str, Organization] = field(default_factory=dict)


SIZES = {
    D.VILLAGE: (9, 26),
    D.COMMUNITY: (8, 20),
    D.AGENCY: (5, 18),
    D.INSTITUTION: (6, 20),
    D.STATE_ENTERPRISE: (8, 24),
    D.NON_PUBLIC: (3, 8),
}


class RegionBuilder:
    def __init__(
        self,
        rng: random.Random,
        today: datetime.date,
        first_org_id: int,
        first_system_id: int,
        first_station_id: int,
    ) -> None:
        self.rng = rng
        self.plan = TreePlan(first_org_id, rng, today)
        self.next_system_id = first_system_id
        self.next_station_id = first_station_id
        self.region: Region | None = None

    # -- helpers ---------------------------------------------------------------------------------------------
    def org(self, parent, name, kind, level, area, domain="", members=None, **fields) -> Organization:
        rng, plan = self.rng, self.plan
        if kind in (K.COMMITTEE, K.TOWN_COMMITTEE, K.STREET_COMMITTEE, K.AGENCY_WORK_COMMITTEE):
            fields.setdefault("activity_funds", plan.money(20_000, 150_000))
        else:
            fields.setdefault("activity_funds", plan.money(2_000, 20_000))
        if domain in (D.AGENCY, D.INSTITUTION, D.STATE_ENTERPRISE) and kind in (
            K.COMMITTEE,
            K.GENERAL_BRANCH,
        ):
            staff = rng.randint(80, 420)
            fields.setdefault("staff_total", staff)
            # 1–2% is the rule [000]; a share of units have no full-time party worker at all.
            fulltime = 0 if rng.random() < 0.35 else max(1, round(staff * rng.uniform(0.005, 0.02)))
            fields.setdefault("party_staff_fulltime", fulltime)
            fields.setdefault("party_staff_parttime", rng.randint(1, 4))
            fields.setdefault("has_discipline_committee", kind == K.COMMITTEE and rng.random() < 0.4)
        elif domain in (D.AGENCY, D.INSTITUTION, D.STATE_ENTERPRISE):
            fields.setdefault("staff_total", rng.randint(8, 70))
            fields.setdefault("party_staff_parttime", 1)
        org = plan.add(parent, name=name, kind=kind, level=level, area=area, domain=domain, **fields)
        self.region.orgs_by_name[name] = org
        if members is not None:
            self.region.holders[org.pk] = (area, members, domain)
        return org

    def branch(self, parent, name, level, area, domain, **fields) -> Organization:
        return self.org(parent, name, K.BRANCH, level, area, domain, members=SIZES[domain], **fields)

    def joint(self, parent, name, level, area, **fields) -> Organization:
        fields.setdefault("unit_count", self.rng.randint(2, 5))
        return self.org(parent, name, K.JOINT_BRANCH, level, area, D.NON_PUBLIC, members=(3, 9), **fields)

    def system(self, name: str, owner: Organization) -> VerticalSystem:
        vs = VerticalSystem(id=self.next_system_id, name=name, owner=owner)
        self.next_system_id += 1
        self.region.systems.append(vs)
        return vs

    def stations(self, town: Organization, villages: list[Organization], area: str) -> None:
        """Group a town's village organizations into 党建工作站 of 3–5 villages each [003]."""
        rng = self.rng
        groups: list[list[Organization]] = []
        rest = list(villages)
        while rest:
            size = rng.randint(3, 5)
            if len(rest) - size in (1, 2):  # never leave a station with fewer than three villages
                size = len(rest) - 3 if len(rest) - 3 >= 3 else len(rest)
            groups.append(rest[:size])
            rest = rest[size:]
        short = town.name.removesuffix("党委").removesuffix("党工委")
        for i, group in enumerate(groups):
            ws = Workstation(
                id=self.next_station_id,
                name=f"{short}第{CN_NUM[i]}党建工作站",
                code=f"WS{town.code}{i + 1:02d}",
                town=town,
                chief_name=person_name(rng, rng.random() < 0.7),
                fulltime_staff=rng.randint(1, 2),
                parttime_staff=rng.randint(1, 4),
            )
            self.next_station_id += 1
            self.region.workstations.append((ws, [v.pk for v in group]))

    # -- the region ------------------------------------------------------------------------------------------
    def build(self) -> Region:
        city = self.plan.add(
            None,
            name=CITY_NAME,
            kind=K.CITY_COMMITTEE,
            level=L.CITY,
            area=CITY_AREA,
            activity_funds=self.plan.money(500_000, 800_000),
        )
        self.region = Region(plan=self.plan, city=city, counties={})
        self.region.orgs_by_name[CITY_NAME] = city
        work = self.org(city, "示范市直属机关工委", K.AGENCY_WORK_COMMITTEE, L.CITY, CITY_AREA)
        tax = self.system("示范市税务系统", work)
        bureau = self.org(
            work,
            "示范市税务局机关党委",
            K.COMMITTEE,
            L.CITY,
            CITY_AREA,
            D.AGENCY,
            system=tax,
            system_tier=SystemTier.CITY_BUREAU,
        )
        for part in ("办公室", "征管和科技发展处", "稽查局", "离退休干部"):
            self.branch(bureau, f"示范市税务局{part}党支部", L.CITY, CITY_AREA, D.AGENCY)
        for unit in (
            "市委办公室",
            "市政府办公室",
            "市财政局",
            "市发展和改革委员会",
            "市教育局",
            "市卫生健康委员会",
            "市自然资源局",
            "市住房和城乡建设局",
        ):
            self.branch(work, f"示范{unit}党支部", L.CITY, CITY_AREA, D.AGENCY)
        self.region.member_targets[CITY_AREA] = CITY_MEMBERS

        self.mohe(city, tax, bureau)
        self.hexi(city, tax, bureau)
        return self.region

    def mohe(self, city: Organization, tax: VerticalSystem, city_bureau: Organization) -> None:
        """漠北县: 39 grassroots organizations under the county committee and 189 below it [004]."""
        rng, a = self.rng, MOHE_AREA
        county = self.org(city, MOHE_NAME, K.COUNTY_COMMITTEE, L.COUNTY, a, address="漠北县兴安路1号")
        self.region.counties[MOHE_NAME] = county

        # Agencies directly under the county: 3 committees and 15 branches (18 direct).
        gov = self.org(county, "漠北县直属机关党委", K.COMMITTEE, L.COUNTY, a, D.AGENCY)
        for unit in ("县委办公室", "县政府办公室", "县发展和改革局", "县财政局", "县人力资源和社会保障局"):
            self.branch(gov, f"漠北{unit}党支部", L.COUNTY, a, D.AGENCY)
        bureau = self.org(
            county,
            "漠北县税务局机关党委",
            K.COMMITTEE,
            L.COUNTY,
            a,
            D.AGENCY,
            system=tax,
            system_tier=SystemTier.COUNTY_BUREAU,
            system_parent=city_bureau,
        )
        for i in range(3):
            self.branch(bureau, f"漠北县税务局机关第{CN_NUM[i]}党支部", L.COUNTY, a, D.AGENCY)
        police = self.org(county, "漠北县公安局党委", K.COMMITTEE, L.COUNTY, a, D.AGENCY)
        for part in ("机关", "治安大队", "刑侦大队", "交警大队"):
            self.branch(police, f"漠北县公安局{part}党支部", L.COUNTY, a, D.AGENCY)
        for unit in (
            "县纪委监委机关",
            "县委组织部",
            "县委宣传部",
            "县委统战部",
            "县教育局",
            "县卫生健康局",
            "县自然资源局",
            "县生态环境局",
            "县住房和城乡建设局",
            "县交通运输局",
            "县农业农村局",
            "县文化广电和旅游局",
            "县应急管理局",
            "县市场监督管理局",
            "县林业和草原局",
        ):
            self.branch(county, f"漠北{unit}党支部", L.COUNTY, a, D.AGENCY)

        # Public institutions: 8 direct.
        hospital = self.org(county, "漠北县人民医院党委", K.COMMITTEE, L.COUNTY, a, D.INSTITUTION)
        for part in ("内科", "外科", "医技", "行政后勤"):
            b = self.branch(hospital, f"漠北县人民医院{part}党支部", L.COUNTY, a, D.INSTITUTION)
            if part == "内科":
                self.region.fixed_sizes[b.pk] = 52
        school = self.org(county, "漠北县第一中学党总支", K.GENERAL_BRANCH, L.COUNTY, a, D.INSTITUTION)
        for i in range(3):
            self.branch(school, f"漠北县第一中学第{CN_NUM[i]}党支部", L.COUNTY, a, D.INSTITUTION)
        for unit in (
            "县中医院",
            "县疾病预防控制中心",
            "县融媒体中心",
            "县职业技术学校",
            "县实验小学",
            "县林业技术推广站",
        ):
            self.branch(county, f"漠北{unit}党支部", L.COUNTY, a, D.INSTITUTION)

        # State enterprises: 9 direct; the forestry bureau is the big one, as in the Mohe article.
        forest = self.org(county, "漠北林业局党委", K.COMMITTEE, L.COUNTY, a, D.STATE_ENTERPRISE)
        mill = self.org(forest, "漠北林业局木材加工厂党总支", K.GENERAL_BRANCH, L.COUNTY, a, D.STATE_ENTERPRISE)
        for i in range(3):
            self.branch(mill, f"漠北林业局木材加工厂第{CN_NUM[i]}车间党支部", L.COUNTY, a, D.STATE_ENTERPRISE)
        for i, word in enumerate(unique_words(rng, VILLAGE_WORDS, 10)):
            kind_word = "林场" if i < 7 else "管护区"
            b = self.branch(forest, f"漠北林业局{word}{kind_word}党支部", L.COUNTY, a, D.STATE_ENTERPRISE)
            if i == 0:
                self.region.fixed_sizes[b.pk] = 56
        power = self.org(county, "漠北县供电公司党委", K.COMMITTEE, L.COUNTY, a, D.STATE_ENTERPRISE)
        for part in ("机关", "运维检修", "营销服务", "城区供电所"):
            self.branch(power, f"漠北县供电公司{part}党支部", L.COUNTY, a, D.STATE_ENTERPRISE)
        for unit in (
            "县国有资产投资公司",
            "县城市建设投资公司",
            "县自来水公司",
            "县粮食储备库",
            "县邮政分公司",
            "县农村信用合作联社",
            "县公共交通公司",
        ):
            self.branch(county, f"漠北{unit}党支部", L.COUNTY, a, D.STATE_ENTERPRISE)

        # Non-public economy and social organizations: 4 direct.
        np = self.org(county, "漠北县非公有制经济组织党委", K.COMMITTEE, L.COUNTY, a, D.NON_PUBLIC)
        firms = unique_words(rng, FIRM_WORDS, 10)
        for i, word in enumerate(firms):
            if i < 7:
                self.joint(
                    np,
                    f"漠北县{word}等企业联合党支部",
                    L.COUNTY,
                    a,
                    unit_count=7 if i == 0 else rng.randint(2, 5),
                )
            else:
                self.org(np, f"漠北县{word}有限公司党支部", K.BRANCH, L.COUNTY, a, D.NON_PUBLIC, members=(3, 12))
        self.org(county, "漠北县个体劳动者协会党支部", K.BRANCH, L.COUNTY, a, D.NON_PUBLIC, members=(3, 10))
        self.org(county, "漠北县律师行业党支部", K.BRANCH, L.COUNTY, a, D.NON_PUBLIC, members=(3, 8))
        self.joint(county, "漠北县物流协会联合党支部", L.COUNTY, a)

        # Towns and the street: village, community, town agency/institution and sub-bureau branches.
        towns = ("松岭镇", "白桦镇", "冰河镇", "兴安镇", "雪原乡", "金沙乡")
        village_counts = (16, 14, 15, 12, 13, 14)  # 84 village organizations in all
        words = ["青松"] + unique_words(
            rng, tuple(v for v in VILLAGE_WORDS if v != "青松"), 90
        )  # the demo branch of demo_branch keeps its name whatever the seed
        w = 0
        for t, (town_name, n_villages) in enumerate(zip(towns, village_counts, strict=True)):
            town = self.org(
                county,
                f"漠北县{town_name}党委",
                K.TOWN_COMMITTEE,
                L.TOWN,
                a,
                address=f"漠北县{town_name}人民政府",
                staff_total=rng.randint(40, 90),
                party_staff_fulltime=rng.randint(2, 4),
            )
            self.region.towns.append(town)
            village_units = []
            big = t % 3 + 4  # one large village per town is a general branch with two branches
            for v in range(n_villages - 2):
                vname = f"漠北县{town_name}{words[w]}村"
                w += 1
                if v == big:
                    gb = self.org(town, f"{vname}党总支", K.GENERAL_BRANCH, L.VILLAGE, a, D.VILLAGE)
                    for i in range(2):
                        self.branch(gb, f"{vname}第{CN_NUM[i]}党支部", L.VILLAGE, a, D.VILLAGE)
                    village_units.append(gb)
                else:
                    b = self.branch(town, f"{vname}党支部", L.VILLAGE, a, D.VILLAGE)
                    village_units.append(b)
                    if t == 1 and v == 0:
                        self.region.fixed_sizes[b.pk] = 53
            self.stations(town, village_units, a)
            self.branch(town, f"漠北县{town_name}机关党支部", L.TOWN, a, D.AGENCY)
            self.branch(town, f"漠北县{town_name}中心学校党支部", L.TOWN, a, D.INSTITUTION)
            self.branch(town, f"漠北县{town_name}卫生院党支部", L.TOWN, a, D.INSTITUTION)
            self.joint(town, f"漠北县{town_name}非公企业联合党支部", L.TOWN, a)
            if t < 5:
                self.branch(town, f"漠北县{town_name}镇区社区党支部", L.VILLAGE, a, D.COMMUNITY)
            if t < 4:  # 分局 branches belong to the town (块) while the business line is the bureau (条) [000]
                self.branch(
                    town,
                    f"漠北县税务局{town_name.removesuffix('镇')}税务分局党支部",
                    L.TOWN,
                    a,
                    D.AGENCY,
                    system=tax,
                    system_tier=SystemTier.SUB_BUREAU,
                    system_parent=bureau,
                )

        street = self.org(
            county,
            "漠北县城关街道党工委",
            K.STREET_COMMITTEE,
            L.TOWN,
            a,
            address="漠北县城关街道办事处",
            staff_total=rng.randint(30, 60),
            party_staff_fulltime=rng.randint(1, 3),
        )
        self.region.towns.append(street)
        self.branch(street, "漠北县城关街道机关党支部", L.TOWN, a, D.AGENCY)
        for i, word in enumerate(unique_words(rng, COMMUNITY_WORDS, 12)):
            if i < 4:
                gb = self.org(street, f"漠北县城关街道{word}社区党总支", K.GENERAL_BRANCH, L.VILLAGE, a, D.COMMUNITY)
                for j in range(3):
                    self.branch(gb, f"漠北县城关街道{word}社区第{CN_NUM[j]}网格党支部", L.VILLAGE, a, D.COMMUNITY)
            else:
                self.branch(street, f"漠北县城关街道{word}社区党支部", L.VILLAGE, a, D.COMMUNITY)
        self.region.member_targets[a] = MOHE_MEMBERS

    def hexi(self, city: Organization, tax: VerticalSystem, city_bureau: Organization) -> None:
        """河西区: a smaller urban district, so scope between two counties can be seen and tested."""
        rng, a = self.rng, HEXI_AREA
        county = self.org(city, HEXI_NAME, K.COUNTY_COMMITTEE, L.COUNTY, a, address="河西区滨河大道8号")
        self.region.counties[HEXI_NAME] = county
        work = self.org(county, "河西区直属机关工委", K.AGENCY_WORK_COMMITTEE, L.COUNTY, a)
        for unit in (
            "区委办公室",
            "区政府办公室",
            "区财政局",
            "区教育局",
            "区卫生健康局",
            "区民政局",
            "区住房和城乡建设局",
            "区市场监督管理局",
            "区城市管理局",
            "区司法局",
            "区统计局",
            "区审计局",
        ):
            self.branch(work, f"河西{unit}党支部", L.COUNTY, a, D.AGENCY)
        hospital = self.org(county, "河西区人民医院党总支", K.GENERAL_BRANCH, L.COUNTY, a, D.INSTITUTION)
        for part in ("内科", "外科", "行政后勤"):
            self.branch(hospital, f"河西区人民医院{part}党支部", L.COUNTY, a, D.INSTITUTION)
        self.branch(county, "河西区第一中学党支部", L.COUNTY, a, D.INSTITUTION)
        invest = self.org(county, "河西区城市建设投资集团党委", K.COMMITTEE, L.COUNTY, a, D.STATE_ENTERPRISE)
        for part in ("机关", "工程管理", "物业服务"):
            self.branch(invest, f"河西区城市建设投资集团{part}党支部", L.COUNTY, a, D.STATE_ENTERPRISE)
        self.branch(county, "河西区供热公司党支部", L.COUNTY, a, D.STATE_ENTERPRISE)
        self.branch(county, "河西区公共交通公司党支部", L.COUNTY, a, D.STATE_ENTERPRISE)
        self.org(county, "河西区律师行业党支部", K.BRANCH, L.COUNTY, a, D.NON_PUBLIC, members=(3, 10))
        self.joint(county, "河西区社会组织联合党支部", L.COUNTY, a)

        communities = unique_words(rng, COMMUNITY_WORDS, 14)
        streets = []
        for s, street_name in enumerate(("东关街道", "西园街道")):
            street = self.org(
                county,
                f"河西区{street_name}党工委",
                K.STREET_COMMITTEE,
                L.TOWN,
                a,
                address=f"河西区{street_name}办事处",
                staff_total=rng.randint(30, 60),
                party_staff_fulltime=rng.randint(1, 3),
            )
            streets.append(street)
            self.region.towns.append(street)
            self.branch(street, f"河西区{street_name}机关党支部", L.TOWN, a, D.AGENCY)
            for word in communities[s * 7 : s * 7 + 7]:
                self.branch(street, f"河西区{street_name}{word}社区党支部", L.VILLAGE, a, D.COMMUNITY)
            for word in unique_words(rng, FIRM_WORDS, 2 + s):
                self.joint(street, f"河西区{street_name}{word}楼宇联合党支部", L.TOWN, a)
        # A county bureau still under a local street committee, and its sub-bureau under the other [000].
        bureau = self.branch(
            streets[0],
            "河西区税务局党支部",
            L.TOWN,
            a,
            D.AGENCY,
            system=tax,
            system_tier=SystemTier.COUNTY_BUREAU,
            system_parent=city_bureau,
        )
        self.branch(
            streets[1],
            "河西区税务局西园税务分局党支部",
            L.TOWN,
            a,
            D.AGENCY,
            system=tax,
            system_tier=SystemTier.SUB_BUREAU,
            system_parent=bureau,
        )

        town = self.org(
            county,
            "河西区柳营镇党委",
            K.TOWN_COMMITTEE,
            L.TOWN,
            a,
            address="河西区柳营镇人民政府",
            staff_total=rng.randint(40, 70),
            party_staff_fulltime=rng.randint(1, 3),
        )
        self.region.towns.append(town)
        villages = [
            self.branch(town, f"河西区柳营镇{word}村党支部", L.VILLAGE, a, D.VILLAGE)
            for word in unique_words(rng, VILLAGE_WORDS, 10)
        ]
        self.stations(town, villages, a)
        self.branch(town, "河西区柳营镇机关党支部", L.TOWN, a, D.AGENCY)
        self.branch(town, "河西区柳营镇中心学校党支部", L.TOWN, a, D.INSTITUTION)
        self.joint(town, "河西区柳营镇非公企业联合党支部", L.TOWN, a)
        self.region.member_targets[a] = HEXI_MEMBERS
