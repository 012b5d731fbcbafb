"""The rulebook: every rule as data with its source, warnings that name their rule and source, a region's override
with its trail, and the village-only rules of rectification kept off agency cases."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.models import AuditLog
from dangjian.core.services import OutOfScope
from dangjian.flows.org_facts import org_warnings
from dangjian.orgs.choices import Domain, Level, OrgKind, Post
from dangjian.orgs.models import Organization
from dangjian.orgs.services import set_post, update_org
from dangjian.partylife.frequency import rule_of
from dangjian.rectify import services as rectify
from dangjian.rectify.models import CaseSource, CaseStatus, SupporterRole
from dangjian.rulebook import services
from dangjian.rulebook.book import Book
from dangjian.rulebook.catalog import CATALOG, DOMAINS
from dangjian.rulebook.models import Rule, RuleOverride

from conftest import make_member, make_org

pytestmark = pytest.mark.django_db
BRANCH = "（依据：《中国共产党支部工作条例（试行）》第四条）"
AGENCY_30 = "（依据：《中国共产党党和国家机关基层组织工作条例》第三十条）"


def warnings_of(org):
    return {w.code: w.message for w in org_warnings(Organization.objects.get(pk=org.pk))}


def test_every_rule_of_the_catalog_is_seeded_with_its_source():
    assert Rule.objects.count() == len(CATALOG)
    for spec in CATALOG:
        rule = Rule.objects.get(key=spec.key)
        assert "《" in rule.document, spec.key
        assert rule.confidence in ("H", "M", "U")
        assert set(rule.domains) <= set(DOMAINS)
    assert Rule.objects.get(key="dues.brackets").source == (
        "中组部《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）第二条"
    )


def test_the_rulebook_speaks_the_domains_of_the_organization_register():
    assert DOMAINS == {value: str(label) for value, label in Domain.choices}


def test_meeting_rules_cite_what_the_party_records_apply():
    for kind, key in [("assembly", "meeting.assembly"), ("committee", "meeting.committee"), ("life", "meeting.life")]:
        rule = Rule.objects.get(key=key)
        assert rule.source in rule_of(kind).source


@pytest.mark.parametrize(
    "setup, code, words",
    [
        ("small_branch", "branch_too_small", "正式党员2人，不足3人，宜成立联合党支部" + BRANCH),
        ("big_branch", "branch_too_big", "党支部党员一般不超过50人，现有51人，宜考虑设立党总支" + BRANCH),
        ("small_branch", "secretary_vacant", "书记空缺（依据：《中国共产党支部工作条例（试行）》第六章）"),
        (
            "wide_joint",
            "joint_too_wide",
            "联合党支部覆盖6个单位，一般不超过5个（依据：《中国共产党支部工作条例（试行）》第五条）",
        ),
        (
            "overdue",
            "election_overdue",
            "应于2024年01月01日换届，已逾期（依据：《中国共产党基层组织选举工作条例》第三条）",
        ),
        (
            "agency",
            "party_staff_low",
            "专职党务工作人员0人，占在编人数0.00%，低于1%–2%的一般要求" + AGENCY_30,
        ),
        (
            "agency",
            "no_discipline",
            "机关党委一般应设立机关纪委，或在党委中设纪检委员（依据：《中国共产党党和国家机关基层组织工作条例》（1998年）第九条）",
        ),
        (
            "agency",
            "committee_small",
            "党员0人，不足100人设立党委需经批准（依据：《中国共产党党和国家机关基层组织工作条例》）",
        ),
    ],
)
def test_each_warning_names_its_rule_and_source(region, setup, code, words):
    town = region.town
    if setup == "small_branch":
        org = make_org(town, "红旗村党支部", "T-RED", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
        make_member(org, "甲", 31)
        make_member(org, "乙", 32)
    elif setup == "big_branch":
        org = make_org(town, "大村党支部", "T-BIG", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
        for seq in range(51):
            make_member(org, f"党员{seq}", 100 + seq)
    elif setup == "wide_joint":
        org = make_org(
            town, "联合党支部", "T-JOINT", OrgKind.JOINT_BRANCH, Level.VILLAGE, Domain.NON_PUBLIC, unit_count=6
        )
    elif setup == "overdue":
        org = make_org(
            town,
            "老村党支部",
            "T-OLD",
            OrgKind.BRANCH,
            Level.VILLAGE,
            Domain.VILLAGE,
            term_start=datetime.date(2019, 1, 1),
            term_years=5,
        )
    else:
        org = make_org(
            region.north, "县税务局机关党委", "T-TAX", OrgKind.COMMITTEE, Level.COUNTY, Domain.AGENCY, staff_total=150
        )
    assert warnings_of(org)[code] == words


def test_the_organization_page_shows_the_warning_with_its_source_and_a_link_to_the_rule(region, login, county_user):
    org = make_org(region.town, "红旗村党支部", "T-RED", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    body = login(county_user).get(f"/orgs/{org.pk}/").content.decode()
    assert "正式党员0人，不足3人，宜成立联合党支部" + BRANCH in body
    assert 'href="/rules/org.branch_min_members/"' in body


def test_agency_rules_are_not_applied_to_a_village(region):
    org = make_org(region.town, "富村党委", "T-RICH", OrgKind.COMMITTEE, Level.VILLAGE, Domain.VILLAGE, staff_total=100)
    assert "party_staff_low" not in warnings_of(org) and "no_discipline" not in warnings_of(org)


# ---------------------------------------------------------------------------------------------------- overrides
def test_a_county_override_changes_the_value_for_its_organizations_only_and_keeps_a_trail(region, county_user):
    rule = Rule.objects.get(key="org.branch_min_members")
    north_branch = make_org(region.town, "红旗村党支部", "T-RED", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    south_branch = make_org(region.south, "南岭二村党支部", "T-S2", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    for i, org in enumerate((north_branch, south_branch)):  # seqs of their own: ids have three digits for them
        make_member(org, f"{org.code}甲", 940 + i)
        make_member(org, f"{org.code}乙", 960 + i)
    set_post(north_branch, actor=None, post=Post.SECRETARY, holder_name="甲")

    first = services.set_override(rule, region.north, actor=county_user, value=2, reason="县委常委会议定：山区小村")
    assert "branch_too_small" not in warnings_of(north_branch)
    assert warnings_of(south_branch)["branch_too_small"] == "正式党员2人，不足3人，宜成立联合党支部" + BRANCH

    second = services.set_override(rule, region.north, actor=county_user, severity="hint", reason="改为提示")
    first.refresh_from_db()
    assert first.withdrawn_at is not None and first.withdrawn_by == county_user
    assert first.withdrawn_reason == "被新的调整取代：改为提示"
    message = warnings_of(north_branch)["branch_too_small"]
    assert (
        message
        == "正式党员2人，不足3人，宜成立联合党支部（依据：《中国共产党支部工作条例（试行）》第四条；漠北县委调整）"
    )

    services.withdraw_override(second, actor=county_user, reason="恢复条例标准")
    assert list(RuleOverride.objects.filter(rule=rule).values_list("reason", "withdrawn_reason")) == [
        ("改为提示", "恢复条例标准"),
        ("县委常委会议定：山区小村", "被新的调整取代：改为提示"),
    ]
    details = list(AuditLog.objects.filter(object_type="ruleoverride").order_by("seq").values_list("detail", flat=True))
    assert details == [
        "规则地方调整：成立党支部的正式党员人数（org.branch_min_members）",
        "撤销规则地方调整：成立党支部的正式党员人数（org.branch_min_members）",
        "规则地方调整：成立党支部的正式党员人数（org.branch_min_members）",
        "撤销规则地方调整：成立党支部的正式党员人数（org.branch_min_members）",
    ]


def test_a_county_may_turn_a_rule_off_and_the_city_below_it_keeps_it(region, county_user, city_admin):
    org = make_org(region.town, "红旗村党支部", "T-RED", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    rule = Rule.objects.get(key="org.secretary")
    services.set_override(rule, region.city, actor=city_admin, severity="required", reason="全市从严")
    services.set_override(rule, region.north, actor=county_user, disabled=True, reason="本县书记另行登记")
    assert "secretary_vacant" not in warnings_of(org)
    south = make_org(region.south, "南岭二村党支部", "T-S2", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    assert Book.load().rule("org.secretary", south).severity == "required"
    assert "secretary_vacant" in warnings_of(south)


def test_overrides_are_refused_in_chinese_below_a_county_without_reason_or_out_of_scope(region, county_user, outsider):
    rule = Rule.objects.get(key="org.branch_min_members")
    with pytest.raises(ValidationError) as refused:
        services.set_override(rule, region.town, actor=county_user, value=2, reason="")
    assert refused.value.message_dict == {
        "org": ["规则只能由市、县（区）一级调整，请选择市委或县（区）委。"],
        "reason": ["请填写调整理由。"],
    }
    with pytest.raises(OutOfScope):
        services.set_override(rule, region.north, actor=outsider, value=2, reason="越权")
    with pytest.raises(ValidationError) as bad:
        services.parse_value(rule, "[1, 2]")
    assert bad.value.message_dict == {"value": ["取值应为不小于0的数，例如 3。"]}
    assert not RuleOverride.objects.exists()


def test_the_override_form_records_it_and_the_rule_page_shows_the_trail(region, login, county_user):
    client = login(county_user)
    response = client.post(
        "/rules/agency.staff_ratio/override/",
        {"org_code": "T-NORTH", "value": "[1.5, 2]", "severity": "", "reason": "本县机关党务力量标准"},
    )
    assert response.status_code == 302
    override = RuleOverride.objects.get()
    assert override.value == [1.5, 2] and override.created_by == county_user
    page = client.get("/rules/agency.staff_ratio/").content.decode()
    assert "漠北县委" in page and "本县机关党务力量标准" in page and "第三十条" in page
    refused = client.post(
        "/rules/agency.staff_ratio/override/", {"org_code": "T-SOUTH", "value": "2", "reason": "越权"}
    )
    assert refused.status_code == 400 and "该组织不存在，或不在您的管理范围内。" in refused.content.decode()
    assert RuleOverride.objects.count() == 1


def test_the_override_form_is_not_offered_to_a_reader(region, login, reader):
    assert login(reader).get("/rules/org.secretary/override/").status_code == 404


def test_the_rulebook_lists_rules_by_domain(region, login, reader):
    client = login(reader)
    agency = client.get("/rules/?domain=agency").content.decode()
    assert "专职党务工作人员比例" in agency and "整顿专项资金标准" not in agency
    village = client.get("/rules/?domain=village").content.decode()
    assert "整顿专项资金标准" in village and "专职党务工作人员比例" not in village
    assert "成立党支部的正式党员人数" in agency and "成立党支部的正式党员人数" in village


# ---------------------------------------------------------------------------------------------------- village-only
@pytest.fixture
def agency_case(region, county_user):
    org = make_org(region.north, "县财政局党支部", "T-FIN", OrgKind.BRANCH, Level.COUNTY, Domain.AGENCY)
    return rectify.open_case(org, year=2026, source=CaseSource.MANUAL, actor=county_user, reasons=["组织生活不正常"])


def test_an_agency_case_is_not_held_to_the_village_rules(agency_case, county_user):
    progress = rectify.case_progress(agency_case)
    assert progress["funds_norm"] is None and progress["funds_short"] is None
    assert SupporterRole.FIRST_SECRETARY not in dict(rectify.supporter_roles(agency_case))
    with pytest.raises(ValidationError) as refused:
        rectify.set_supporter(agency_case, SupporterRole.FIRST_SECRETARY, actor=county_user, name="李书记")
    assert refused.value.message_dict == {
        "first_secretary": [
            "驻村第一书记只适用于农村、社区党组织的整顿，“县财政局党支部”不适用"
            "（依据：《黑龙江漠河：集中整顿软弱涣散党组织》（第四届全国基层党建创新典型案例，[004]））"
        ]
    }
    measure = rectify.add_measure(
        agency_case, actor=county_user, problem="p", action="a", responsible="r", deadline=datetime.date(2026, 12, 1)
    )
    rectify.complete_measure(measure, actor=county_user, date=datetime.date(2026, 6, 1))
    with pytest.raises(ValidationError, match="乡镇初验只适用于农村、社区党组织的整顿"):
        rectify.town_check(agency_case, actor=county_user, opinion="同意")
    rectify.close_case(agency_case, actor=county_user, opinion="验收合格")
    agency_case.refresh_from_db()
    assert agency_case.status == CaseStatus.CLOSED


def test_a_village_case_keeps_the_fund_norm_with_its_source_and_the_town_check(region, county_user):
    case = rectify.open_case(region.birch, year=2026, source=CaseSource.MANUAL, actor=county_user, reasons=["x"])
    progress = rectify.case_progress(case)
    assert progress["funds_norm"] == Decimal("50000")
    assert progress["funds_citation"].startswith("依据：《黑龙江漠河：集中整顿软弱涣散党组织》")
    assert SupporterRole.FIRST_SECRETARY in dict(rectify.supporter_roles(case))
    with pytest.raises(ValidationError, match="须先经乡镇初验"):
        rectify.close_case(case, actor=county_user, opinion="同意")


def test_the_agency_case_page_shows_no_fund_norm_or_first_secretary(agency_case, login, county_user):
    body = login(county_user).get(f"/rectify/{agency_case.pk}/").content.decode()
    assert "驻村第一书记" not in body and "标准 50000" not in body
    assert "本组织不适用乡镇初验" in body


def test_a_warning_follows_the_unit_staff_recorded(region, county_user):
    org = make_org(region.north, "县税务局机关党委", "T-TAX", OrgKind.COMMITTEE, Level.COUNTY, Domain.AGENCY)
    assert "party_staff_low" not in warnings_of(org)  # staff not recorded
    update_org(org, actor=county_user, staff_total=300, party_staff_fulltime=3)
    assert "party_staff_low" not in warnings_of(org)  # 1%


def count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_rulebook_pages_ask_the_same_number_of_queries_however_many_overrides(region, login, city_admin):
    client = login(city_admin)
    urls = ["/rules/", "/rules/org.secretary/"]

    def override_everything(reason):
        for rule in Rule.objects.all():
            for county in (region.north, region.south):
                services.set_override(rule, county, actor=city_admin, severity="hint", reason=reason)

    override_everything("第一次")
    few = [count(client, url) for url in urls]
    override_everything("第二次")
    override_everything("第三次")
    assert [count(client, url) for url in urls] == few


def test_an_emptied_rules_table_still_gives_every_rule_from_the_catalog_and_migrate_fills_it_again(region):
    from django.core.management import call_command

    Rule.objects.all().delete()
    book = Book.load()
    effective = book.rule("org.branch_min_members", region.town)
    assert effective.value == next(s.value for s in CATALOG if s.key == "org.branch_min_members")
    assert "《中国共产党支部工作条例（试行）》" in effective.cite("党员人数不足")
    assert org_warnings(region.town) is not None  # the organization page's warnings do not fail
    call_command("migrate", verbosity=0)  # post_migrate syncs the catalog into the table
    assert Rule.objects.count() == len(CATALOG)
