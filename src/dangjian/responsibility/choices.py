"""The vocabularies of the responsibility lists ("三层九岗" [000]): the nine posts in their three layers, and how
often a duty falls due."""

from django.db import models


class DutyPost(models.TextChoices):
    """The nine posts of [000]: 党组书记, 党组成员 (党组); 党委书记, 党委委员, 纪委书记, 纪委委员 (党委);
    支部书记, 支部委员 (支部); and 党员."""

    GROUP_SECRETARY = "group_secretary", "党组书记"
    GROUP_MEMBER = "group_member", "党组成员"
    COMMITTEE_SECRETARY = "committee_secretary", "党委书记"
    COMMITTEE_MEMBER = "committee_member", "党委委员"
    DISCIPLINE_SECRETARY = "discipline_secretary", "纪委书记"
    DISCIPLINE_MEMBER = "discipline_member", "纪委委员"
    BRANCH_SECRETARY = "branch_secretary", "支部书记"
    BRANCH_MEMBER = "branch_member", "支部委员"
    MEMBER = "member", "党员"


class Layer(models.TextChoices):
    GROUP = "group", "党组"
    COMMITTEE = "committee", "党委"
    BRANCH = "branch", "支部"


LAYER_OF = {
    DutyPost.GROUP_SECRETARY: Layer.GROUP,
    DutyPost.GROUP_MEMBER: Layer.GROUP,
    DutyPost.COMMITTEE_SECRETARY: Layer.COMMITTEE,
    DutyPost.COMMITTEE_MEMBER: Layer.COMMITTEE,
    DutyPost.DISCIPLINE_SECRETARY: Layer.COMMITTEE,
    DutyPost.DISCIPLINE_MEMBER: Layer.COMMITTEE,
    DutyPost.BRANCH_SECRETARY: Layer.BRANCH,
    DutyPost.BRANCH_MEMBER: Layer.BRANCH,
    DutyPost.MEMBER: Layer.BRANCH,
}
GROUP_POSTS = (DutyPost.GROUP_SECRETARY, DutyPost.GROUP_MEMBER)
DISCIPLINE_POSTS = (DutyPost.DISCIPLINE_SECRETARY, DutyPost.DISCIPLINE_MEMBER)
SEAT_POSTS = GROUP_POSTS + DISCIPLINE_POSTS  # the posts held through a `Seat` rather than a committee post
SECRETARY_POSTS = (DutyPost.GROUP_SECRETARY, DutyPost.COMMITTEE_SECRETARY, DutyPost.BRANCH_SECRETARY)


class Frequency(models.TextChoices):
    YEARLY = "yearly", "每年"
    QUARTERLY = "quarterly", "每季度"
    MONTHLY = "monthly", "每月"


class TaskStatus(models.TextChoices):
    OPEN = "open", "未完成"
    DONE = "done", "已完成"
