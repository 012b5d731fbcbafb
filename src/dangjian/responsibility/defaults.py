"""The responsibility list a county starts from, taken from [000] (湛江, "厘定责任清单，建立网状责任新格局"):
"党组书记负总责、分管领导分工负责、机关党委组织落实、各部门主要负责人'一岗双责'、一级抓一级、层层抓落实",
the 党建 and 党廉 duties joined in one list, 述职评议 "从上至下、分级开展", and the 机关条例's 机关纪委 and funds in
the budget.
Each line: post, domain ("" for all), frequency, duty, requirement. A county edits its copy on the templates page."""

from __future__ import annotations

from dangjian.orgs.choices import Domain

from .choices import DutyPost as P
from .choices import Frequency as F

DEFAULTS: tuple[tuple[str, str, str, str, str], ...] = (
    # 党组 layer
    (
        P.GROUP_SECRETARY,
        "",
        F.YEARLY,
        "履行全面从严治党第一责任人职责",
        "主持制定本系统年度党建工作要点和党风廉政建设责任分工，负总责。",
    ),
    (
        P.GROUP_SECRETARY,
        "",
        F.QUARTERLY,
        "主持党组会议研究党建工作",
        "每季度至少一次专题研究机关党建和党风廉政建设，解决机关党委提出的问题。",
    ),
    (P.GROUP_SECRETARY, "", F.YEARLY, "向上级党组织述职", "书记抓基层党建述职评议考核，从上至下、分级开展。"),
    (
        P.GROUP_SECRETARY,
        "",
        F.YEARLY,
        "保障党建力量和经费",
        "专职党务工作人员按机关工作人员 1%—2% 配备；机关党组织活动经费列入行政经费预算。",
    ),
    (P.GROUP_MEMBER, "", F.QUARTERLY, "落实“一岗双责”", "在分管领域同步部署、检查党建和党风廉政建设工作，向党组报告。"),
    (P.GROUP_MEMBER, "", F.YEARLY, "参加所在支部组织生活", "以普通党员身份参加双重组织生活，讲党课至少一次。"),
    # 党委 layer
    (
        P.COMMITTEE_SECRETARY,
        "",
        F.YEARLY,
        "组织落实党组党建部署",
        "制定机关党委年度工作计划，下抓一级、抓深一层，报党组审定。",
    ),
    (
        P.COMMITTEE_SECRETARY,
        "",
        F.QUARTERLY,
        "主持党委会研究支部建设",
        "每季度分析支部建设情况，督促支部按期换届、补齐缺额委员。",
    ),
    (P.COMMITTEE_SECRETARY, "", F.YEARLY, "述职并评议下级支部书记", "每年向党组述职，组织支部书记抓党建述职评议。"),
    (P.COMMITTEE_MEMBER, "", F.QUARTERLY, "抓好分工负责的工作", "按分工（组织、宣传、纪检等）落实并向党委报告。"),
    (P.COMMITTEE_MEMBER, "", F.YEARLY, "联系指导支部", "每人联系至少一个支部，参加其组织生活会。"),
    (
        P.DISCIPLINE_SECRETARY,
        "",
        F.QUARTERLY,
        "协助落实党风廉政建设主体责任",
        "承接纪检“三转”转出事项，每季度开展一次监督检查。",
    ),
    (P.DISCIPLINE_SECRETARY, "", F.YEARLY, "开展警示教育", "每年至少组织一次廉政警示教育。"),
    (P.DISCIPLINE_MEMBER, "", F.QUARTERLY, "开展日常监督", "按分工检查作风纪律，发现问题及时报告纪委书记。"),
    # 支部 layer
    (
        P.BRANCH_SECRETARY,
        "",
        F.MONTHLY,
        "落实“三会一课”和主题党日",
        "每月主持支部委员会、主题党日，按期召开党员大会、讲党课。",
    ),
    (P.BRANCH_SECRETARY, "", F.YEARLY, "抓党建述职", "每年向上级党组织述职，接受评议。"),
    (P.BRANCH_SECRETARY, "", F.YEARLY, "召开组织生活会、民主评议党员", "每年至少一次，形成整改清单。"),
    (
        P.BRANCH_SECRETARY,
        Domain.AGENCY,
        F.QUARTERLY,
        "党建与业务同部署",
        "“党建+”：把党建同中心工作、重点工作、日常工作一起部署、检查、考核。",
    ),
    (P.BRANCH_MEMBER, "", F.QUARTERLY, "完成分工任务", "组织、宣传、纪检委员按分工落实并在支委会上报告。"),
    (P.BRANCH_MEMBER, "", F.YEARLY, "谈心谈话", "每年与分管联系的党员至少谈心一次。"),
    (P.MEMBER, "", F.MONTHLY, "参加组织生活、按月交纳党费", "按时参加支部组织生活和主题党日，按月足额交纳党费。"),
    (P.MEMBER, "", F.YEARLY, "接受民主评议", "参加组织生活会，开展批评与自我批评，接受民主评议。"),
)
