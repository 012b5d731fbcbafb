"""Every URL pattern and API route, walked by a user of another county: 404/403, never data, nothing changed.

A new route fails `test_every_route_is_walked` until it is added to ROUTES below, so no view escapes the walk.
"""

import datetime
import hashlib

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from dangjian.accounts.models import ApiToken, OrgGrant, Role
from dangjian.accounts.security import set_password
from dangjian.accounts.services import grant_org
from dangjian.accounts.tokens import issue_token
from dangjian.assess.models import Evidence
from dangjian.core.models import AuditLog, BackgroundJob
from dangjian.members.models import Member, MemberTransfer
from dangjian.members.services import create_member, transfer_member
from dangjian.orgs.choices import Domain, Level, OrgKind, Post, SystemTier
from dangjian.orgs.models import CommitteePost, Organization, VerticalSystem, Workstation
from dangjian.orgs.services import create_org, set_post
from dangjian.responsibility.models import DutyItem, DutyTask, DutyTemplate, Seat
from dangjian.sheets.models import ImportJob
from dangjian.stations.models import StationAccount, StationStaff
from dangjian.weekly.models import Arrangement, StationReport, VillageReport

pytestmark = pytest.mark.django_db
PASSWORD = "walk-test-2026"
SECRET_NAMES = ["南岭", "欧阳雪松", "NL-"]  # every name and code of the other county contains one of these


def walk(resolver=None, prefix="", namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


# name → (kind of object the route takes, or None) for every route in the project.
ROUTES = {
    "home": None,
    "ping": None,
    "healthz": None,
    "login": None,
    "logout": None,
    "password_change": None,
    "otp_verify": None,
    "otp_setup": None,
    "security_policy": None,
    "api_tokens": None,
    "api_token_revoke": "token",
    "orgs:tree": None,
    "orgs:search": None,
    "orgs:create": None,
    "orgs:systems": None,
    "orgs:detail": "org",
    "orgs:children": "org",
    "orgs:edit": "org",
    "orgs:move": "org",
    "orgs:delete": "org",
    "orgs:post_add": "org",
    "orgs:post_remove": "post",
    "orgs:system_chain": "system",
    "members:list": None,
    "members:create": None,
    "members:detail": "member",
    "members:edit": "member",
    "members:transfer": "member",
    "members:delete": "member",
    "sheets:imports": None,
    "sheets:import": None,
    "sheets:template": None,
    "sheets:job": "job",
    "sheets:job_progress": "job",
    "sheets:job_errors": "job",
    "sheets:export_orgs": None,
    "sheets:export_members": None,
    "members:unmask": "member",
    "api-token": None,
    "api-token-revoke": None,
    "api-schema": None,
    "api-root": None,
    "org-list": None,
    "org-detail": "org",
    "member-list": None,
    "member-detail": "member",
    "assessment-list": None,
    "assessment-detail": "assessment",
    "assessment-results": "assessment",
    "assessment-result": "assessment",
    "assessment-entries": "assessment",
    "scheme-list": None,
    "scheme-detail": "scheme",
    "users:list": None,
    "users:create": None,
    "users:detail": "user",
    "users:password": "user",
    "users:active": "user",
    "users:unlock": "user",
    "users:grant_add": "user",
    "users:grant_remove": "user",
    "users:duty": "user",
    "users:unmask": "user",
    "users:tokens_revoke": "user",
    "audit:list": None,
    "audit:export": None,
    "audit:verify": None,
    "audit:detail": "audit",
    "audit:changeset": "audit",
    "assess:list": None,
    "assess:create": None,
    "assess:scheme_create": None,
    "assess:detail": "assessment",
    "assess:run": "assessment",
    "assess:publish": "assessment",
    "assess:grid": "assessment",
    "assess:results": "assessment",
    "assess:results_export": "assessment",
    "assess:participant": "participant",
    "assess:evidence_upload": "participant",
    "assess:explain": "participant",
    "assess:evidence": "evidence",
    "assess:scheme": "scheme",
    "assess:scheme_edit": "scheme",
    "assess:scheme_clone": "scheme",
    "assess:scheme_yaml": "scheme",
    "assess:survey": "assessment",
    "assess:survey_links": "participant",
    "assess:survey_sheet": "participant",
    "assess:reviews": "assessment",
    "assess:review": "participant",
    "assess:review_upload": "participant",
    "assess:review_report": "participant",
    "survey_answer": None,
    "accountability:list": None,
    "accountability:export": None,
    "accountability:create": None,
    "accountability:person": None,
    "accountability:proposals": None,
    "accountability:generate": None,
    "accountability:ratings": None,
    "accountability:rating_create": None,
    "accountability:commendations": None,
    "accountability:commendation_create": None,
    "accountability:detail": "acc_record",
    "accountability:proposal": "acc_proposal",
    "accountability:confirm": "acc_proposal",
    "accountability:dismiss": "acc_proposal",
    "accountability-record-list": None,
    "accountability-record-detail": "acc_record",
    "accountability-proposal-list": None,
    "accountability-proposal-detail": "acc_proposal",
    "rectify:list": None,
    "rectify:create": None,
    "rectify:rollover": None,
    "rectify:ledger": None,
    "rectify:open_for_assessment": "assessment",
    "rectify:ledger_org": "org",
    "rectify:detail": "case",
    "rectify:edit": "case",
    "rectify:measure_add": "case",
    "rectify:supporters": "case",
    "rectify:fund_add": "case",
    "rectify:town_check": "case",
    "rectify:close": "case",
    "rectify:reopen": "case",
    "rectify:measure_done": "measure",
    "rectify:entry_add": "measure",
    "rectify:file": "ledger_file",
    "rectify_bulletin:index": None,
    "rectify_bulletin:cases_export": None,
    "case-list": None,
    "case-detail": "case",
    "cadence:list": None,
    "cadence:read": "notification",
    "cadence:read_all": None,
    "cadence:spot_checks": None,
    "stations:list": None,
    "stations:export": None,
    "stations:create": None,
    "stations:detail": "station",
    "stations:edit": "station",
    "stations:retire": "station",
    "stations:staff_add": "station",
    "stations:staff_remove": "station_staff",
    "stations:account_add": "station",
    "stations:account_remove": "station_account",
    "station-list": None,
    "station-detail": "station",
    "weekly:board": None,
    "weekly:town": "town",
    "weekly:publish": "town",
    "weekly:station": "station",
    "weekly:relay": "station",
    "weekly:arrangement": "arrangement",
    "weekly:arrangement_xlsx": "arrangement",
    "weekly:forward": "relay",
    "weekly:report": "village_report",
    "weekly:report_xlsx": "village_report",
    "weekly:station_report": "station_report",
    "weekly:station_report_xlsx": "station_report",
    "weekly:photo": "photo",
    "weekly-arrangement-list": None,
    "weekly-arrangement-detail": "arrangement",
    "weekly-report-list": None,
    "weekly-report-detail": "village_report",
    "weekly-station-report-list": None,
    "weekly-station-report-detail": "station_report",
    "problems:problems": None,
    "problems:problems_export": None,
    "problems:duties": None,
    "problems:duties_export": None,
    "problems:closed": None,
    "problems:closed_export": None,
    "problems:figures": None,
    "problems:create": None,
    "problems:detail": "problem",
    "problems:assign": "problem",
    "problems:progress": "problem",
    "problems:submit": "problem",
    "problems:close": "problem",
    "problems:return": "problem",
    "problems:escalate": "problem",
    "problem-list": None,
    "problem-detail": "problem",
    "opinions:list": None,
    "opinions:export": None,
    "opinions:figures": None,
    "opinions:create": None,
    "opinions:codes": None,
    "opinions:code_sheet": "opinion_code",
    "opinions:code_withdraw": "opinion_code",
    "opinions:detail": "opinion",
    "opinions:unmask": "opinion",
    "opinions:category": "opinion",
    "opinions:reply": "opinion",
    "opinions:to_problem": "opinion",
    "opinion-list": None,
    "opinion-detail": "opinion",
    "opinion_public": None,
    "inspections:list": None,
    "inspections:create": None,
    "inspections:detail": "draw",
    "inspections:exclude": "draw",
    "inspections:commit": "draw",
    "inspections:beacon": "draw",
    "inspections:draw": "draw",
    "inspections:verify": "draw",
    "inspections:export": "draw",
    "inspections:target": "target",
    "inspections:visit_record": "target",
    "inspections:follow_up": "visit",
    "inspections:visit_report": "visit",
    "inspections:photo": "photo",
    "inspections:findings": None,
    "inspections:findings_export": None,
    "inspections:spot_checks": None,
    "inspections:bulletin": None,
    "inspections:checklists": None,
    "inspections:checklist_create": None,
    "inspections:checklist": "checklist",
    "inspections:checklist_edit": "checklist",
    "inspections:checklist_copy": "checklist",
    "inspections:inspectors": None,
    "inspections:inspector_remove": "inspector",
    "inspection-draw-list": None,
    "inspection-draw-detail": "draw",
    "inspection-visit-list": None,
    "inspection-visit-detail": "visit",
    "inspection-finding-list": None,
    "inspection-finding-detail": "finding",
    # Party records (partylife): meetings, their photos, the development pipeline and its documents.
    "partylife:meetings": None,
    "partylife:meetings_export": None,
    "partylife:meeting_create": None,
    "partylife:completion": None,
    "partylife:applicants": None,
    "partylife:applicant_create": None,
    "partylife:meeting": "meeting",
    "partylife:meeting_photos": "meeting",
    "partylife:meeting_delete": "meeting",
    "partylife:photo": "meeting_photo",
    "partylife:applicant": "applicant",
    "partylife:document": "dev_step",
    "meeting-list": None,
    "meeting-detail": "meeting",
    "applicant-list": None,
    "applicant-detail": "applicant",
    # The assessment as of its cut-off, and what if (issue 17, point 7).
    "assess:whatif": "assessment",
    "assess:take_facts": "assessment",
    # Responsibility lists 三层九岗 (responsibility): tasks, items, templates, 党组 and seats, an organization's list.
    "responsibility:tasks": None,
    "responsibility:items": None,
    "responsibility:items_export": None,
    "responsibility:templates": None,
    "responsibility:templates_seed": None,
    "responsibility:template_create": None,
    "responsibility:groups": None,
    "responsibility:task": "duty_task",
    "responsibility:evidence": "duty_task",
    "responsibility:template_edit": "duty_template",
    "responsibility:group": "duty_group",
    "responsibility:seat_remove": "duty_seat",
    "responsibility:org": "org",
    "responsibility:assign": "org",
    "responsibility:review": "org",
    "responsibility:chain": "system",
    "duty-item-list": None,
    "duty-item-detail": "duty_item",
    "duty-task-list": None,
    "duty-task-detail": "duty_task",
    # 党建+ projects and resources (resources).
    "resources:rollup": None,
    "resources:projects": None,
    "resources:project_create": None,
    "resources:project": "project",
    "resources:project_edit": "project",
    "resources:milestone_add": "project",
    "resources:evidence_add": "project",
    "resources:milestone_done": "milestone",
    "resources:evidence": "project_evidence",
    "resources:venues": None,
    "resources:venues_export": None,
    "resources:venue_create": None,
    "resources:venue": "venue",
    "resources:venue_edit": "venue",
    "resources:venue_photos": "venue",
    "resources:venue_services": "venue",
    "resources:venue_photo": "venue_photo",
    "resources:trainings": None,
    "resources:trainings_export": None,
    "resources:training_create": None,
    "resources:training": "training",
    "resources:funds": None,
    "resources:fund_create": None,
    "resources:secretaries": None,
    "resources:secretary_create": None,
    "resources:secretary": "secretary",
    "resources:report_add": "secretary",
    "resources:standard": None,
    "project-list": None,
    "project-detail": "project",
    "venue-list": None,
    "venue-detail": "venue",
    "training-list": None,
    "training-detail": "training",
    "fund-list": None,
    "fund-detail": "fund",
    "job": "background_job",  # a background job (core/jobs.py): an assessment run, a bulletin's files
    "job_progress": "background_job",
    "job_file": "background_job",
    "rectify_bulletin:generate": None,
    "inspections:bulletin_generate": None,
    "dashboards:index": None,
    "dashboards:org": "org",
    # The rulebook (rules are everyone's; overrides are scoped) and party staffing.
    "rulebook:list": None,
    "rulebook:detail": None,
    "rulebook:override": None,
    "rulebook:withdraw": "rule_override",
    "staffing:index": None,
    "staffing:system": "system",
    # Party dues (dues): the month sheet, marking paid, the export, a member's dues, arrears, roll-up, the API.
    "dues:sheet": None,
    "dues:mark_paid": None,
    "dues:export": None,
    "dues:member": "member",
    "dues:arrears": None,
    "dues:rollup": None,
    "dues-list": None,
    "dues-detail": "member",
}
# The other county's assessment: its scheme, participants, entries' pages, evidence, results.
ASSESS_PAGES = {
    "assess:detail": "/assess/{assessment}/",
    "assess:run": "/assess/{assessment}/run/",
    "assess:publish": "/assess/{assessment}/publish/",
    "assess:grid": "/assess/{assessment}/grid/G01/",
    "assess:results": "/assess/{assessment}/results/",
    "assess:results_export": "/assess/{assessment}/results.xlsx",
    "assess:participant": "/assess/orgs/{participant}/",
    "assess:evidence_upload": "/assess/orgs/{participant}/evidence/",
    "assess:explain": "/assess/orgs/{participant}/result/",
    "assess:evidence": "/assess/evidence/{evidence}/",
    "assess:scheme": "/assess/schemes/{scheme}/",
    "assess:scheme_edit": "/assess/schemes/{scheme}/edit/",
    "assess:scheme_clone": "/assess/schemes/{scheme}/clone/",
    "assess:scheme_yaml": "/assess/schemes/{scheme}/scheme.yaml",
    "assess:survey": "/assess/{assessment}/survey/",
    "assess:survey_links": "/assess/orgs/{participant}/survey/",
    "assess:survey_sheet": "/assess/orgs/{participant}/survey/sheet/",
    "assess:reviews": "/assess/{assessment}/reviews/",
    "assess:review": "/assess/orgs/{participant}/review/",
    "assess:review_upload": "/assess/orgs/{participant}/review/report/",
    "assess:review_report": "/assess/orgs/{participant}/review/report/file/",
    "assess:whatif": "/assess/{assessment}/whatif/",
    "assess:take_facts": "/assess/{assessment}/facts/",
}
# The other county's rectification case: its plan, ledger, evidence, the steps of closure, its ledger roll-up.
RECTIFY_PAGES = {
    "rectify:open_for_assessment": "/rectify/assessment/{assessment}/open/",
    "rectify:ledger_org": "/rectify/ledger/{org}/",
    "rectify:detail": "/rectify/{case}/",
    "rectify:edit": "/rectify/{case}/edit/",
    "rectify:measure_add": "/rectify/{case}/measures/add/",
    "rectify:supporters": "/rectify/{case}/supporters/",
    "rectify:fund_add": "/rectify/{case}/funds/add/",
    "rectify:town_check": "/rectify/{case}/town-check/",
    "rectify:close": "/rectify/{case}/close/",
    "rectify:reopen": "/rectify/{case}/reopen/",
    "rectify:measure_done": "/rectify/measures/{measure}/done/",
    "rectify:entry_add": "/rectify/measures/{measure}/entries/add/",
    "rectify:file": "/rectify/files/{ledger_file}/",
}
# The other county's accountability: a talk, the proposal its chief's rating made, and the decisions on it.
ACCOUNTABILITY_PAGES = {
    "accountability:detail": "/accountability/{acc_record}/",
    "accountability:proposal": "/accountability/proposals/{acc_proposal}/",
    "accountability:confirm": "/accountability/proposals/{acc_proposal}/confirm/",
    "accountability:dismiss": "/accountability/proposals/{acc_proposal}/dismiss/",
}
ACCOUNTABILITY_LISTS = {
    "accountability:list": "/accountability/",
    "accountability:export": "/accountability/records.xlsx",
    "accountability:create": "/accountability/new/",
    "accountability:person": "/accountability/person/",
    "accountability:proposals": "/accountability/proposals/",
    "accountability:generate": "/accountability/proposals/generate/",
    "accountability:ratings": "/accountability/ratings/",
    "accountability:rating_create": "/accountability/ratings/new/",
    "accountability:commendations": "/accountability/commendations/",
    "accountability:commendation_create": "/accountability/commendations/new/",
    "accountability-record-list": "/api/accountability/records/",
    "accountability-proposal-list": "/api/accountability/proposals/",
}
# The other county's workstation, its people and account, and its week: the town's and the station's arrangements,
# a village's report with a photo, the station's report to the town.
WORKING_PAGES = {
    "stations:detail": "/stations/{station}/",
    "stations:edit": "/stations/{station}/edit/",
    "stations:retire": "/stations/{station}/retire/",
    "stations:staff_add": "/stations/{station}/staff/add/",
    "stations:staff_remove": "/stations/staff/{station_staff}/remove/",
    "stations:account_add": "/stations/{station}/accounts/add/",
    "stations:account_remove": "/stations/accounts/{station_account}/remove/",
    "weekly:town": "/weekly/town/{town}/",
    "weekly:publish": "/weekly/town/{town}/publish/",
    "weekly:station": "/weekly/station/{station}/",
    "weekly:relay": "/weekly/station/{station}/relay/",
    "weekly:arrangement": "/weekly/arrangements/{arrangement}/",
    "weekly:arrangement_xlsx": "/weekly/arrangements/{relay}.xlsx",
    "weekly:forward": "/weekly/arrangements/{relay}/forward/",
    "weekly:report": "/weekly/reports/{village_report}/",
    "weekly:report_xlsx": "/weekly/reports/{village_report}.xlsx",
    "weekly:station_report": "/weekly/station-reports/{station_report}/",
    "weekly:station_report_xlsx": "/weekly/station-reports/{station_report}.xlsx",
    "weekly:photo": "/weekly/photos/{photo}/",
}
# The other county's problem (its steps of handling) and residents' opinion (its handling) and QR code.
PROBLEM_PAGES = {
    "problems:detail": "/problems/{problem}/",
    "problems:assign": "/problems/{problem}/assign/",
    "problems:progress": "/problems/{problem}/progress/",
    "problems:submit": "/problems/{problem}/submit/",
    "problems:close": "/problems/{problem}/close/",
    "problems:return": "/problems/{problem}/return/",
    "problems:escalate": "/problems/{problem}/escalate/",
    "opinions:detail": "/opinions/{opinion}/",
    "opinions:unmask": "/opinions/{opinion}/unmask/",
    "opinions:category": "/opinions/{opinion}/category/",
    "opinions:reply": "/opinions/{opinion}/reply/",
    "opinions:to_problem": "/opinions/{opinion}/problem/",
    "opinions:code_sheet": "/opinions/codes/{opinion_code}/",
    "opinions:code_withdraw": "/opinions/codes/{opinion_code}/withdraw/",
}
WORKING_LISTS = {
    "problems:problems": "/problems/",
    "problems:problems_export": "/problems/problems.xlsx",
    "problems:duties": "/problems/duties/",
    "problems:duties_export": "/problems/duties.xlsx",
    "problems:closed": "/problems/closed/",
    "problems:closed_export": "/problems/closed.xlsx",
    "problems:figures": "/problems/figures/",
    "problems:create": "/problems/new/",
    "problem-list": "/api/problems/",
    "opinions:list": "/opinions/",
    "opinions:export": "/opinions/opinions.xlsx",
    "opinions:figures": "/opinions/figures/",
    "opinions:create": "/opinions/new/",
    "opinions:codes": "/opinions/codes/",
    "opinion-list": "/api/opinions/",
}
# The other county's random inspection: its draw (drawn and revealed), the target, the visit with a photo and a
# finding, its checklist and its inspector.
INSPECTION_PAGES = {
    "inspections:detail": "/inspections/{draw}/",
    "inspections:exclude": "/inspections/{draw}/exclude/",
    "inspections:commit": "/inspections/{draw}/commit/",
    "inspections:beacon": "/inspections/{draw}/beacon/",
    "inspections:draw": "/inspections/{draw}/draw/",
    "inspections:verify": "/inspections/{draw}/verify/",
    "inspections:export": "/inspections/{draw}/export.json",
    "inspections:target": "/inspections/targets/{target}/",
    "inspections:visit_record": "/inspections/targets/{target}/visit/",
    "inspections:follow_up": "/inspections/visits/{visit}/follow-up/",
    "inspections:visit_report": "/inspections/visits/{visit}/report.docx",
    "inspections:photo": "/inspections/photos/{photo}/",
    "inspections:checklist": "/inspections/checklists/{checklist}/",
    "inspections:checklist_edit": "/inspections/checklists/{checklist}/edit/",
    "inspections:checklist_copy": "/inspections/checklists/{checklist}/copy/",
    "inspections:inspector_remove": "/inspections/inspectors/{inspector}/remove/",
}
INSPECTION_LISTS = {
    "inspections:list": "/inspections/",
    "inspections:create": "/inspections/new/",
    "inspections:findings": "/inspections/findings/",
    "inspections:findings_export": "/inspections/findings.xlsx",
    "inspections:spot_checks": "/inspections/spot-checks/",
    "inspections:bulletin": "/inspections/bulletin/",
    "inspections:checklists": "/inspections/checklists/",
    "inspections:checklist_create": "/inspections/checklists/new/",
    "inspections:inspectors": "/inspections/inspectors/",
    "inspection-draw-list": "/api/inspections/draws/",
    "inspection-visit-list": "/api/inspections/visits/",
    "inspection-finding-list": "/api/inspections/findings/",
}
INSPECTION_DOWNLOADS = {INSPECTION_LISTS["inspections:findings_export"]}
# The bulletin's files, written by the worker (inspections/bulletin_jobs.py), downloaded from the job's page.
INSPECTION_DOWNLOADS |= {"/inspections/bulletin/generate/?org=W-NORTH&year=2026"}
# The other county's meeting (with a photo) and a person it develops (with the application's document).
PARTYLIFE_PAGES = {
    "partylife:meeting": "/partylife/meetings/{meeting}/",
    "partylife:meeting_photos": "/partylife/meetings/{meeting}/photos/",
    "partylife:meeting_delete": "/partylife/meetings/{meeting}/delete/",
    "partylife:photo": "/partylife/photos/{meeting_photo}/",
    "partylife:applicant": "/partylife/development/{applicant}/",
    "partylife:document": "/partylife/development/documents/{dev_step}/",
}
PARTYLIFE_LISTS = {
    "partylife:meetings": "/partylife/",
    "partylife:meetings_export": "/partylife/meetings.xlsx",
    "partylife:meeting_create": "/partylife/meetings/new/",
    "partylife:completion": "/partylife/completion/",
    "partylife:applicants": "/partylife/development/",
    "partylife:applicant_create": "/partylife/development/new/",
    "meeting-list": "/api/meetings/",
    "applicant-list": "/api/development/",
}
PAGES_WITH_OBJECT = {
    **ASSESS_PAGES,
    **WORKING_PAGES,
    **PROBLEM_PAGES,
    **INSPECTION_PAGES,
    **PARTYLIFE_PAGES,
    **ACCOUNTABILITY_PAGES,
    **RECTIFY_PAGES,
    "orgs:detail": "/orgs/{org}/",
    "orgs:children": "/orgs/{org}/children/",
    "orgs:edit": "/orgs/{org}/edit/",
    "orgs:move": "/orgs/{org}/move/",
    "orgs:delete": "/orgs/{org}/delete/",
    "orgs:post_add": "/orgs/{org}/posts/add/",
    "orgs:post_remove": "/orgs/posts/{post}/remove/",
    "orgs:system_chain": "/orgs/systems/{system}/",
    "members:detail": "/members/{member}/",
    "members:edit": "/members/{member}/edit/",
    "members:transfer": "/members/{member}/transfer/",
    "members:delete": "/members/{member}/delete/",
    "sheets:job": "/sheets/jobs/{job}/",
    "sheets:job_progress": "/sheets/jobs/{job}/progress/",
    "sheets:job_errors": "/sheets/jobs/{job}/errors/",
    "users:detail": "/users/{user}/",
    "users:password": "/users/{user}/password/",
    "users:active": "/users/{user}/active/",
    "users:unlock": "/users/{user}/unlock/",
    "users:grant_add": "/users/{user}/grants/add/",
    "users:grant_remove": "/users/{user}/grants/remove/",
    "users:duty": "/users/{user}/duties/",
    "users:unmask": "/users/{user}/unmask/",
    "users:tokens_revoke": "/users/{user}/tokens/revoke/",
    "api_token_revoke": "/accounts/tokens/{token}/revoke/",
    "members:unmask": "/members/{member}/unmask/",
    "audit:detail": "/audit/{audit}/",
    "audit:changeset": "/audit/{audit}/changeset/",
    "cadence:read": "/notifications/{notification}/read/",
    "job": "/jobs/{background_job}/",
    "job_progress": "/jobs/{background_job}/progress/",
    "job_file": "/jobs/{background_job}/files/0/",
    "dashboards:org": "/dashboards/{org}/",
    "rulebook:withdraw": "/rules/overrides/{rule_override}/withdraw/",
    "staffing:system": "/staffing/systems/{system}/",
}
# The other county's 党建+ project (a milestone, evidence), its service centre (a photo), training, fund and first
# secretary.
RESOURCES_PAGES = {
    "resources:project": "/resources/projects/{project}/",
    "resources:project_edit": "/resources/projects/{project}/edit/",
    "resources:milestone_add": "/resources/projects/{project}/milestones/",
    "resources:evidence_add": "/resources/projects/{project}/evidence/",
    "resources:milestone_done": "/resources/milestones/{milestone}/done/",
    "resources:evidence": "/resources/evidence/{project_evidence}/",
    "resources:venue": "/resources/venues/{venue}/",
    "resources:venue_edit": "/resources/venues/{venue}/edit/",
    "resources:venue_photos": "/resources/venues/{venue}/photos/",
    "resources:venue_services": "/resources/venues/{venue}/services/",
    "resources:venue_photo": "/resources/venue-photos/{venue_photo}/",
    "resources:training": "/resources/trainings/{training}/",
    "resources:secretary": "/resources/secretaries/{secretary}/",
    "resources:report_add": "/resources/secretaries/{secretary}/reports/",
}
RESOURCES_LISTS = {
    "resources:rollup": "/resources/",
    "resources:projects": "/resources/projects/",
    "resources:project_create": "/resources/projects/new/",
    "resources:venues": "/resources/venues/",
    "resources:venues_export": "/resources/venues.xlsx",
    "resources:venue_create": "/resources/venues/new/",
    "resources:trainings": "/resources/trainings/",
    "resources:trainings_export": "/resources/trainings.xlsx",
    "resources:training_create": "/resources/trainings/new/",
    "resources:funds": "/resources/funds/",
    "resources:fund_create": "/resources/funds/new/",
    "resources:secretaries": "/resources/secretaries/",
    "resources:secretary_create": "/resources/secretaries/new/",
    "resources:standard": "/resources/standard/",
    "project-list": "/api/projects/",
    "venue-list": "/api/venues/",
    "training-list": "/api/trainings/",
    "fund-list": "/api/funds/",
}
PAGES_WITH_OBJECT |= RESOURCES_PAGES
FULL_NAMES = {
    "南岭县委",
    "南岭镇党委",
    "南岭村党支部",
    "南岭二村党支部",
    "南岭税务分局党支部",
    "南岭税务系统",
    "南岭书记",
    "南岭第一工作站",
    "南岭县随机督导",
    "南岭县阵地清单",
    "南岭督导员",
    "欧阳雪松",
    "NL-COUNTY",
    "NL-TOWN",
    "NL-VILLAGE",
    "NL-TAX",
    "13800001111",
    "990102198502020022",
}
FULL_NAMES |= {"8765.43", "876543"}  # the other county's member's dues base, in 元 and in fen
PAGES_WITH_OBJECT["dues:member"] = "/dues/members/{member}/"
POST_ONLY = {"orgs:post_add", "orgs:post_remove", "members:unmask"}
# The security administrator's actions on a user (accounts/admin_urls.py) take only POST.
POST_ONLY |= {
    f"users:{name}" for name in ("password", "active", "unlock", "grant_add", "grant_remove", "duty", "unmask")
}
POST_ONLY |= {"users:tokens_revoke", "api_token_revoke"}  # the other county's user's API token: revoked by nobody
POST_ONLY |= {"assess:run", "assess:publish", "assess:evidence_upload", "assess:scheme_clone"}
POST_ONLY |= {"assess:review_upload"}
POST_ONLY |= {"accountability:confirm", "accountability:dismiss"}
POST_ONLY |= {"cadence:read"}
POST_ONLY |= {f"stations:{name}" for name in ("staff_add", "staff_remove", "account_add", "account_remove")}
POST_ONLY |= {"partylife:meeting_photos", "partylife:meeting_delete"}
FORMS = {"orgs:edit", "orgs:move", "orgs:delete", "members:edit", "members:transfer", "members:delete"}
FORMS |= {"assess:grid", "assess:participant", "assess:explain", "assess:scheme_edit"}
FORMS |= {"assess:survey", "assess:survey_links", "assess:review"}
POST_ONLY |= {"rectify:open_for_assessment"}
POST_ONLY |= {f"inspections:{name}" for name in ("exclude", "commit", "beacon", "draw", "follow_up")}
POST_ONLY |= {"inspections:checklist_copy", "inspections:inspector_remove"}
FORMS |= {"inspections:visit_record", "inspections:checklist_edit"}
FORMS |= {f"rectify:{name}" for name in ("edit", "measure_add", "supporters", "fund_add", "town_check", "close")}
FORMS |= {"rectify:reopen", "rectify:measure_done", "rectify:entry_add"}
FORMS |= {"stations:edit", "stations:retire", "weekly:publish", "weekly:relay", "weekly:forward", "weekly:report"}
POST_ONLY |= {f"opinions:{name}" for name in ("unmask", "category", "reply", "to_problem", "code_withdraw")}
FORMS |= {f"problems:{name}" for name in ("assign", "progress", "submit", "close", "return", "escalate")}
FORMS |= {"partylife:applicant"}
POST_ONLY |= {"assess:take_facts"}  # retaking the facts as of the cut-off
POST_ONLY |= {f"resources:{name}" for name in ("milestone_add", "evidence_add", "milestone_done")}
POST_ONLY |= {f"resources:{name}" for name in ("venue_photos", "venue_services", "report_add")}
FORMS |= {"resources:project_edit", "resources:venue_edit"}
# Issue #19: the annual assessment bulletin; publishing asks for confirmation on a page of its own before its POST.
ROUTES["assess:bulletin"] = "assessment"
PAGES_WITH_OBJECT["assess:bulletin"] = "/assess/{assessment}/bulletin.docx"
POST_ONLY.discard("assess:publish")
FORMS |= {"assess:publish"}
ROUTES["rectify:file_thumb"] = "ledger_file"  # a ledger photo's thumbnail, through the same scope as the file
PAGES_WITH_OBJECT["rectify:file_thumb"] = "/rectify/files/{ledger_file}/thumb.jpg"
FORMS |= {"rulebook:withdraw"}
FORMS |= {"dues:member"}
API_WITH_OBJECT = ["/api/orgs/{org}/", "/api/orgs/{org}.json", "/api/members/{member}/", "/api/members/{member}.json"]
# The other county's assessment through the API: the assessment, its results, one explanation, its scheme, entries.
API_ASSESS = {
    "assessment-detail": "/api/assessments/{assessment}/",
    "assessment-results": "/api/assessments/{assessment}/results/",
    "assessment-result": "/api/assessments/{assessment}/results/NL-VILLAGE/",
    "assessment-entries": "/api/assessments/{assessment}/entries/",
    "scheme-detail": "/api/schemes/{scheme}/",
}
API_WITH_OBJECT += [*API_ASSESS.values(), "/api/assessments/{assessment}.json", "/api/schemes/{scheme}.json"]
API_POST_ONLY = {"/api/assessments/{assessment}/entries/"}  # GET is 405 before any lookup
API_ACCOUNTABILITY = {
    "accountability-record-detail": "/api/accountability/records/{acc_record}/",
    "accountability-proposal-detail": "/api/accountability/proposals/{acc_proposal}/",
}
API_WITH_OBJECT += list(API_ACCOUNTABILITY.values())
API_RECTIFY = {"case-detail": "/api/cases/{case}/"}
API_WITH_OBJECT += [*API_RECTIFY.values(), "/api/cases/{case}.json"]
API_WEEKLY = {
    "station-detail": "/api/stations/{station}/",
    "weekly-arrangement-detail": "/api/weekly/arrangements/{arrangement}/",
    "weekly-report-detail": "/api/weekly/reports/{village_report}/",
    "weekly-station-report-detail": "/api/weekly/station-reports/{station_report}/",
}
API_WITH_OBJECT += [*API_WEEKLY.values(), "/api/weekly/arrangements/{relay}/"]
API_WORKING = {"problem-detail": "/api/problems/{problem}/", "opinion-detail": "/api/opinions/{opinion}/"}
API_WITH_OBJECT += [*API_WORKING.values(), "/api/problems/{problem}.json", "/api/opinions/{opinion}.json"]
API_INSPECTIONS = {
    "inspection-draw-detail": "/api/inspections/draws/{draw}/",
    "inspection-visit-detail": "/api/inspections/visits/{visit}/",
    "inspection-finding-detail": "/api/inspections/findings/{finding}/",
}
API_WITH_OBJECT += list(API_INSPECTIONS.values())
API_PARTYLIFE = {"meeting-detail": "/api/meetings/{meeting}/", "applicant-detail": "/api/development/{applicant}/"}
API_WITH_OBJECT += list(API_PARTYLIFE.values())
API_RESOURCES = {
    "project-detail": "/api/projects/{project}/",
    "venue-detail": "/api/venues/{venue}/",
    "training-detail": "/api/trainings/{training}/",
    "fund-detail": "/api/funds/{fund}/",
}
API_WITH_OBJECT += list(API_RESOURCES.values())
# Party dues: the other county's member's dues through the API (walked with the party records' routes).
API_PARTYLIFE["dues-detail"] = "/api/dues/{member}/"
API_WITH_OBJECT.append("/api/dues/{member}/")
LIST_PAGES = [
    "/",
    "/orgs/",
    "/orgs/search/?q=南岭",
    "/orgs/search/?q=NL-&format=json",
    "/orgs/search/?q=镇&format=json",
    "/orgs/systems/",
    "/members/",
    "/members/?q=欧阳",
    "/members/?org_code=NL-COUNTY",
    "/sheets/import/members/",
    "/sheets/import/orgs/",
    "/sheets/import/",
    "/sheets/import/venues/",
    "/sheets/import/stations/",
    "/sheets/import/dues/",
    "/api/orgs/",
    "/api/orgs/?search=南岭",
    "/api/orgs/?code=NL-TOWN",
    "/api/members/",
    "/api/members/?search=欧阳",
    "/api/",
    "/api/schema/",
    "/api/assessments/",
    "/api/assessments/?search=南岭",
    "/api/schemes/",
    "/api/schemes/?search=南岭",
    "/api/cases/",
    "/api/cases/?search=南岭",
    "/api/cases/?org_code=NL-COUNTY",
    "/rectify/bulletins/",
    "/rectify/bulletins/?org=W-NORTH&year=2026&quarter=4",
    "/accounts/password/",
    "/accounts/otp/setup/",
    "/accounts/tokens/",
    "/assess/",
    "/assess/new/",
    "/accountability/",
    "/accountability/?org_code=NL-COUNTY",
    "/accountability/?q=南岭书记",
    "/accountability/person/?q=南岭书记",
    "/accountability/new/",
    "/accountability/proposals/",
    "/accountability/proposals/?q=南岭站长",
    "/accountability/ratings/",
    "/accountability/ratings/new/",
    "/accountability/commendations/",
    "/accountability/commendations/new/",
    "/api/accountability/records/",
    "/api/accountability/records/?search=南岭书记",
    "/api/accountability/proposals/",
    "/rectify/",
    "/rectify/?org_code=NL-VILLAGE",
    "/rectify/?year=2026",
    "/rectify/ledger/",
    "/rectify/new/",
    "/notifications/",
    "/stations/",
    "/stations/?org_code=NL-COUNTY",
    "/stations/?q=南岭",
    "/api/stations/",
    "/api/stations/?search=南岭",
    "/api/stations/?org_code=NL-TOWN",
    "/weekly/",
    "/api/weekly/arrangements/",
    "/api/weekly/arrangements/?org_code=NL-TOWN",
    "/api/weekly/reports/",
    "/api/weekly/reports/?org_code=NL-VILLAGE",
    "/api/weekly/station-reports/",
    "/problems/",
    "/problems/?org_code=NL-COUNTY",
    "/problems/?q=南岭",
    "/problems/duties/",
    "/problems/closed/",
    "/problems/figures/",
    "/problems/figures/?org_code=NL-COUNTY",
    "/problems/new/",
    "/api/problems/",
    "/api/problems/?org_code=NL-COUNTY",
    "/api/problems/?overdue=true",
    "/opinions/",
    "/opinions/?q=南岭",
    "/opinions/?org_code=NL-VILLAGE",
    "/opinions/figures/",
    "/opinions/codes/",
    "/opinions/new/",
    "/api/opinions/",
    "/api/opinions/?org_code=NL-VILLAGE",
    *[url for url in INSPECTION_LISTS.values() if url not in INSPECTION_DOWNLOADS],
    "/inspections/?org_code=NL-COUNTY",
    "/inspections/?search=南岭",
    "/inspections/findings/?org_code=NL-VILLAGE",
    "/inspections/spot-checks/?period=2026-03",
    "/api/inspections/draws/?search=南岭",
    "/api/inspections/draws/?org_code=NL-COUNTY",
    "/api/inspections/findings/?org_code=NL-COUNTY",
    "/api/inspections/visits/?search=南岭",
    "/partylife/",
    "/partylife/?org_code=NL-COUNTY",
    "/partylife/?year=2026&kind=assembly",
    "/partylife/meetings/new/",
    "/partylife/meetings/new/?org_code=NL-VILLAGE",
    "/partylife/completion/",
    "/partylife/completion/?org_code=W-TOWN&year=2026",
    "/partylife/development/",
    "/partylife/development/?org_code=NL-COUNTY",
    "/partylife/development/?q=南岭",
    "/partylife/development/new/",
    "/api/meetings/",
    "/api/meetings/?org_code=NL-VILLAGE",
    "/api/development/",
    "/api/development/?search=南岭",
    "/resources/",
    "/resources/?org_code=W-NORTH",
    "/resources/?year=2026",
    "/resources/projects/",
    "/resources/projects/?org_code=NL-COUNTY",
    "/resources/projects/new/?org_code=NL-VILLAGE",
    "/resources/venues/",
    "/resources/venues/?kind=centre",
    "/resources/trainings/",
    "/resources/trainings/new/?org_code=NL-VILLAGE",
    "/resources/funds/",
    "/resources/secretaries/",
    "/resources/standard/",
    "/resources/standard/?org_code=W-NORTH",
    "/resources/?org_code=W-TOWN&year=2026",
    "/api/projects/",
    "/api/projects/?search=南岭",
    "/api/venues/",
    "/api/trainings/",
    "/api/funds/",
    "/dashboards/",
    "/rules/",
    "/rules/?domain=agency",
    "/rules/org.secretary/",
    "/rules/org.secretary/override/",
    "/staffing/",
    "/dues/",
    "/dues/?org_code=W-VILLAGE&year=2026",
    "/dues/arrears/",
    "/dues/rollup/",
    "/dues/rollup/?org_code=W-NORTH",
    "/api/dues/",
    "/api/dues/?search=欧阳",
]
# The other county's responsibility lists: a task done with evidence, its template, its 党组 with a seat, the list and
# review of its branch, the chain of its system; lists and API of the own county show none of it.
DUTY_PAGES = {
    "responsibility:task": "/duties/tasks/{duty_task}/",
    "responsibility:evidence": "/duties/tasks/{duty_task}/evidence/",
    "responsibility:template_edit": "/duties/templates/{duty_template}/edit/",
    "responsibility:group": "/duties/groups/{duty_group}/",
    "responsibility:seat_remove": "/duties/seats/{duty_seat}/remove/",
    "responsibility:org": "/duties/orgs/{org}/",
    "responsibility:assign": "/duties/orgs/{org}/assign/",
    "responsibility:review": "/duties/orgs/{org}/review/",
    "responsibility:chain": "/duties/systems/{system}/",
}
DUTY_LISTS = {
    "responsibility:tasks": "/duties/",
    "responsibility:items": "/duties/items/",
    "responsibility:items_export": "/duties/items.xlsx",
    "responsibility:templates": "/duties/templates/",
    "responsibility:templates_seed": "/duties/templates/seed/",
    "responsibility:template_create": "/duties/templates/new/",
    "responsibility:groups": "/duties/groups/",
    "duty-item-list": "/api/duties/items/",
    "duty-task-list": "/api/duties/tasks/",
}
API_DUTIES = {
    "duty-item-detail": "/api/duties/items/{duty_item}/",
    "duty-task-detail": "/api/duties/tasks/{duty_task}/",
}
PAGES_WITH_OBJECT |= DUTY_PAGES
API_WITH_OBJECT += list(API_DUTIES.values())
POST_ONLY |= {"responsibility:seat_remove", "responsibility:assign"}
FORMS |= {"responsibility:task", "responsibility:template_edit", "responsibility:group", "responsibility:org"}
LIST_PAGES += ["/duties/", "/duties/?org_code=NL-COUNTY", "/duties/?q=南岭", "/duties/?overdue=true", "/duties/items/",
               "/duties/items/?org_code=NL-VILLAGE", "/duties/templates/", "/duties/groups/", "/api/duties/items/",
               "/api/duties/items/?org_code=NL-COUNTY", "/api/duties/tasks/", "/api/duties/tasks/?q=南岭"]  # fmt: skip


SOUTH_SCHEME = """
year: 2026
name: 南岭县2026年度考核方案
groups:
  - domain: 农村
    categories:
      - name: 工作
        indicators:
          - {code: G01, name: 南岭工作成效, points: 100, method: given}
"""


def south_assessment(south, clerk):
    """An assessment of the other county, run, with an entry, an adjustment, evidence and a secretary's review."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.assess import review
    from dangjian.assess import services as assess

    scheme = assess.save_scheme(actor=None, owner=south, text=SOUTH_SCHEME)
    assessment = assess.open_assessment(actor=None, scheme=scheme, root=south, cutoff=datetime.date(2026, 12, 31))
    village = assessment.participants.get(code="NL-VILLAGE")
    assess.enter(village, "G01", "88", actor=None)
    assess.attach_evidence(village, SimpleUploadedFile("南岭佐证.txt", "南岭村".encode()), actor=None)
    review.upload_report(village, SimpleUploadedFile("南岭述职.pdf", "%PDF-1.4 南岭村".encode()), actor=None)
    review.rate(village, rating="poor", secretary="南岭书记", comment="南岭村书记点评", actor=None)
    assess.run_assessment(assessment, actor=None)
    return assessment


def south_case(branch) -> dict:
    """A rectification case of the other county (opened from an inspection) with a measure, a ledger entry and its
    evidence file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.rectify import services as rectify

    case = rectify.open_case(branch, year=2026, source="inspection", actor=None, note="南岭村督查发现问题")
    measure = rectify.add_measure(
        case,
        actor=None,
        problem="南岭村问题",
        action="南岭村措施",
        responsible="南岭书记",
        deadline=datetime.date(2026, 12, 31),
    )
    photo = SimpleUploadedFile("南岭整改照片.jpg", b"\xff\xd8\xff" + "南岭村".encode())  # a JPEG's signature
    entry = rectify.add_entry(measure, actor=None, date=datetime.date(2026, 1, 5), content="南岭村进展", files=[photo])
    return {"case": case.pk, "measure": measure.pk, "ledger_file": entry.files.get().pk}


def south_notification(clerk) -> int:
    """A notification of the other county's user (only its owner may read or mark it)."""
    from dangjian.cadence.models import Notification
    from dangjian.cadence.notify import notify

    notify([clerk], title="南岭村逾期上报", body="南岭镇党委", url="/rectify/", key="walk")
    return Notification.objects.get(user=clerk).pk


def south_accountability(branch, station) -> dict:
    """The other county's accountability: a talk to its secretary, a commendation refused for it, and the admonition
    proposal its workstation chief's rating made."""
    from dangjian.accountability import services as accountability
    from dangjian.accountability.models import Proposal

    talk = accountability.record_accountability(
        actor=None,
        org=branch,
        person_name="南岭书记",
        kind="talk",
        date=datetime.date(2026, 3, 1),
        reason="南岭村组织生活不正常",
    )
    accountability.commend(actor=None, org=branch, person_name="欧阳雪松", year=2026, kind="honour", reason="南岭推荐")
    accountability.rate_chief(actor=None, workstation=station, year=2026, chief_name="南岭站长", rating="basic")
    proposal = Proposal.objects.get(workstation=station)
    return {"acc_record": talk.pk, "acc_proposal": proposal.pk}


def south_week(station, town) -> dict:
    """The other county's station at work: its chief and account, and this week's two arrangements, a village's
    report with a photo, and the station's report to the town."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.stations import services as stations
    from dangjian.weekly import services as weekly
    from dangjian.weekly.models import LinePhoto, VillageReport

    chief = stations.add_staff(station, actor=None, name="南岭站长", post="chief", full_time=True)
    account = stations.bind_account(station, User.objects.create_user("nanling_station"), actor=None)
    today = datetime.date.today()
    item = {"title": "南岭村党员大会", "target": "南岭", "due": today}
    published = weekly.publish_town_arrangement(town, today, [item], actor=None)
    relay = weekly.relay_arrangement(station, today, [], actor=None)
    village = station.villages.get(code="NL-VILLAGE")
    photo = SimpleUploadedFile("南岭照片.jpg", b"\xff\xd8\xff" + "南岭村".encode())
    answers = {i.pk: weekly.Answer("done", "南岭村已开会", [photo]) for i in weekly.village_items(relay)}
    report = weekly.submit_village_report(relay, village, answers, actor=None)
    forwarded = weekly.forward_station_report(relay, actor=None)
    assert VillageReport.objects.filter(arrangement=relay).count() == 2
    return {
        "station": station.pk,
        "station_staff": chief.pk,
        "station_account": account.pk,
        "town": town.pk,
        "arrangement": published.pk,
        "relay": relay.pk,
        "village_report": report.pk,
        "station_report": forwarded.pk,
        "photo": LinePhoto.objects.get().pk,
    }


def south_working(branch, clerk) -> dict:
    """The other county's working layer: a problem reported solved (so its verification steps exist), a resident's
    opinion with a contact, and the village's QR code."""
    from dangjian.opinions import services as opinions
    from dangjian.problems import services as problems

    problem = problems.record_problem(
        branch,
        title="南岭村活动场所漏雨",
        category="infrastructure",
        level="station_village",
        owner_name="南岭书记",
        deadline=datetime.date.today() + datetime.timedelta(days=30),
        actor=None,
    )
    problems.submit_problem(problem, result="南岭村已修好", actor=None)
    opinion = opinions.record_opinion(
        branch, text="南岭村路灯坏了", contact="13800001111", date=datetime.date.today(), actor=None
    )
    code = opinions.create_code(org=branch, actor=clerk)
    return {"problem": problem.pk, "opinion": opinion.pk, "opinion_code": code.pk}


def south_inspection(south, branch) -> dict:
    """The other county's random inspection, drawn and revealed, visited with a photo and a finding."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from dangjian.inspections import checklists, services
    from dangjian.inspections.choices import ItemResult

    dept = org(south, "南岭县委组织部党支部", "NL-DEPT", OrgKind.BRANCH, Level.COUNTY, Domain.AGENCY)
    checklist = checklists.create_checklist(
        south, actor=None, year=2026, code="nl-10", name="南岭县阵地清单", items="南岭阵地标识｜南岭要点\n南岭党员名册"
    )
    user = User.objects.create_user("nl_inspector", first_name="南岭督导员")
    inspector = services.add_inspector(south, actor=None, user=user, unit=dept, name="南岭督导员")
    now = timezone.now()
    draw = services.setup_draw(
        south,
        actor=None,
        title="南岭县随机督导",
        population_kind="villages",
        team_size=1,
        draw_at=now + datetime.timedelta(minutes=1),
        visit_until=datetime.date(2099, 12, 31),
        now=now,
    )
    draw = services.commit_draw(draw, actor=None, now=now)
    draw = services.make_draw(draw, actor=None, now=now + datetime.timedelta(minutes=2))
    target = draw.targets.get()
    day = timezone.localtime(draw.drawn_at).date()
    items = services.applicable_items(target, day.year)
    results = {i.pk: (ItemResult.NO, "南岭村阵地标识缺失") if i.number == 1 else (ItemResult.YES, "") for i in items}
    photo = SimpleUploadedFile("南岭现场.jpg", b"\xff\xd8\xff" + "南岭村".encode())
    visit = services.record_visit(
        target, actor=user, visited_on=day, today=day, met="南岭书记", results=results, photos={items[0].pk: [photo]}
    )
    return {
        "draw": draw.pk,
        "target": target.pk,
        "visit": visit.pk,
        "photo": visit.items.get(number=1).photos.get().pk,
        "finding": visit.findings.get().pk,
        "checklist": checklist.pk,
        "inspector": inspector.pk,
    }


def south_partylife(branch) -> dict:
    """The other county's party records: a meeting with a photo, and an applicant with the application document."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.partylife.services import Presence, record_meeting, register_applicant

    member = Member.objects.get(name="欧阳雪松")
    meeting = record_meeting(
        actor=None,
        org=branch,
        kind="assembly",
        date=datetime.date(2026, 3, 1),
        topic="南岭村党员大会",
        people=[Presence(member, True)],
        photos=[SimpleUploadedFile("南岭会场.jpg", b"\xff\xd8\xff" + "南岭村".encode())],
    )
    applicant = register_applicant(
        actor=None,
        org=branch,
        name="南岭申请人",
        gender="male",
        id_number="990102199001010015",
        applied_on=datetime.date(2026, 1, 5),
        document=SimpleUploadedFile("南岭申请书.pdf", "%PDF-1.4 南岭".encode()),
    )
    return {"meeting": meeting.pk, "meeting_photo": meeting.photos.get().pk, "applicant": applicant.pk,
            "dev_step": applicant.steps.get().pk}  # fmt: skip


def south_duties(south, branch) -> dict:
    """The other county's responsibility list: its template, its 党组 with a secretary, its branch secretary's duty
    with this year's task done with evidence."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.responsibility import services

    template = services.save_template(
        actor=None, owner=south, post="branch_secretary", frequency="yearly", title="南岭书记述职"
    )
    bureau = org(south, "南岭县税务局机关党委", "NL-TAXC", OrgKind.COMMITTEE, Level.COUNTY, Domain.AGENCY)
    group = services.create_group(actor=None, guides=bureau, name="南岭县税务局党组")
    seat = services.add_seat(actor=None, org=bureau, group=group, post="group_secretary", holder_name="南岭局长")
    services.assign_duties(south, actor=None)
    year = datetime.date.today().year
    services.generate_tasks(year, actor=None, root=south, backfill=True)
    item = DutyItem.objects.get(org=branch)
    task = item.tasks.get()
    pdf = SimpleUploadedFile("南岭述职.pdf", "%PDF-1.4 南岭".encode())
    services.complete_task(task, actor=None, note="南岭书记已述职", done_on=datetime.date.today(), evidence=pdf)
    return {"duty_task": task.pk, "duty_item": item.pk, "duty_template": template.pk, "duty_group": group.pk,
            "duty_seat": seat.pk}  # fmt: skip


def south_resources(branch) -> dict:
    """The other county's 党建+ project with a milestone and evidence, its service centre with a photo and a month of
    services, a training, a fund and a first secretary with a plan."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.resources import services as res

    member = Member.objects.get(name="欧阳雪松")
    project = res.create_project(actor=None, org=branch, year=2026, title="南岭党建+项目", category="featured",
                                 members=[member])  # fmt: skip
    milestone = res.add_milestone(project, actor=None, title="南岭节点", due=datetime.date(2026, 3, 1))
    evidence = res.add_evidence(project, [SimpleUploadedFile("南岭成效.pdf", "%PDF-1.4 南岭".encode())], actor=None)
    photo = SimpleUploadedFile("南岭中心.jpg", b"\xff\xd8\xff" + "南岭".encode())
    venue = res.create_venue(actor=None, org=branch, kind="centre", name="南岭党群服务中心", standard=["sign"],
                             photos=[photo])  # fmt: skip
    res.record_services(venue, actor=None, month=datetime.date(2026, 1, 1), items=5, people=9)
    training = res.record_training(actor=None, org=branch, title="南岭培训", date=datetime.date(2026, 1, 5),
                                   members=[member])  # fmt: skip
    fund = res.record_fund(actor=None, org=branch, year=2026, source="budget", purpose="南岭经费", in_budget=True,
                           budget_fen=100)  # fmt: skip
    secretary = res.add_secretary(actor=None, org=branch, name="南岭第一书记", role="first_secretary",
                                  sent_by="南岭县直单位", start=datetime.date(2026, 1, 1))  # fmt: skip
    res.submit_report(secretary, actor=None, month=datetime.date(2026, 1, 1), kind="plan", content="南岭计划",
                      submitted_on=datetime.date(2026, 1, 3))  # fmt: skip
    head = User.objects.create_user("nanling_venue_head")  # the other county's own "十有" list, with its trail
    county = Organization.objects.get(code="NL-COUNTY")
    grant_org(head, county, Role.MANAGE)
    res.adjust_venue_standard(county, actor=head, reason="南岭县委阵地要求", added=["有南岭特色展陈"])
    return {"project": project.pk, "milestone": milestone.pk, "project_evidence": evidence[0].pk, "venue": venue.pk,
            "venue_photo": venue.photos.get().pk, "training": training.pk, "fund": fund.pk,
            "secretary": secretary.pk}  # fmt: skip


def south_rulebook(south) -> dict:
    """The other county's override of a rule, and the party staff of its tax sub-bureau."""
    from dangjian.rulebook.models import Rule
    from dangjian.rulebook.services import set_override
    from dangjian.staffing.services import save_worker

    head = User.objects.create_user("nanling_head")  # the other county's manager, who sets its rules
    grant_org(head, south, Role.MANAGE)
    override = set_override(
        Rule.objects.get(key="org.secretary"), south, actor=head, disabled=True, reason="南岭县委决定"
    )
    tax = Organization.objects.get(code="NL-TAX")
    save_worker(tax, actor=None, name="南岭党务专干", birth_date=datetime.date(1970, 1, 1), staff_total=80)
    return {"rule_override": override.pk}


def south_dues(member) -> dict:
    """The other county's member's dues: a base (pay, sensitive), a payment and an approved exemption."""
    from dangjian.dues.services import record_payment, record_relief, set_base

    month = datetime.date(2026, 1, 1)
    set_base(member, actor=None, category="employed", base_fen=876543, effective_from=month, note="南岭核定")
    record_payment(member, actor=None, month=month, paid_on=datetime.date(2026, 1, 9), note="南岭缴纳")
    record_relief(member, actor=None, kind="exempt", start=datetime.date(2026, 2, 1), end=datetime.date(2026, 2, 1),
                  reason="南岭困难", approved_by=member.org.parent, approver="南岭书记", approved_on=month)  # fmt: skip
    return {}


def org(parent, name, code, kind, level, domain="", **extra):
    return create_org(actor=None, parent=parent, name=name, code=code, kind=kind, level=level, domain=domain, **extra)


@pytest.fixture
def region():
    city = org(None, "示范市委", "W-CITY", OrgKind.CITY_COMMITTEE, Level.CITY)
    north = org(city, "漠北县委", "W-NORTH", OrgKind.COUNTY_COMMITTEE, Level.COUNTY)
    north_town = org(north, "松岭镇党委", "W-TOWN", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    north_branch = org(north_town, "青松村党支部", "W-VILLAGE", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    create_member(actor=None, org=north_branch, name="张青山", gender="male", id_number="990101198001010014")

    south = org(city, "南岭县委", "NL-COUNTY", OrgKind.COUNTY_COMMITTEE, Level.COUNTY)
    town = org(south, "南岭镇党委", "NL-TOWN", OrgKind.TOWN_COMMITTEE, Level.TOWN)
    branch = org(town, "南岭村党支部", "NL-VILLAGE", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    spare = org(town, "南岭二村党支部", "NL-VILLAGE2", OrgKind.BRANCH, Level.VILLAGE, Domain.VILLAGE)
    member = create_member(
        actor=None,
        org=branch,
        name="欧阳雪松",
        gender="female",
        phone="13800001111",
        id_number="990102198502020022",
        birth_date=datetime.date(1985, 2, 2),
    )
    transfer_member(member, spare, actor=None, date=datetime.date(2025, 3, 1), reason="南岭内部调整")
    post = set_post(spare, actor=None, post=Post.SECRETARY, holder_name="南岭书记")
    system = VerticalSystem.objects.create(name="南岭税务系统", owner=south)
    org(
        town,
        "南岭税务分局党支部",
        "NL-TAX",
        OrgKind.BRANCH,
        Level.TOWN,
        Domain.AGENCY,
        system=system,
        system_tier=SystemTier.SUB_BUREAU,
    )
    station = Workstation.objects.create(name="南岭第一工作站", code="NL-WS1", town=town)
    station.villages.add(branch, spare)

    clerk = User.objects.create_user("nanling_clerk", password=PASSWORD)  # a user of the other county
    grant_org(clerk, south, Role.EDIT)
    job = ImportJob.objects.create(  # the other county's import: its page, progress and error sheet
        user=clerk, kind="members", original_name="南岭党员.xlsx", file="x/upload.xlsx", error_file="x/errors.xlsx"
    )
    assessment = south_assessment(south, clerk)
    background_job = BackgroundJob.objects.create(  # the other county's bulletin, written by the worker
        kind="rectify.bulletin",
        title="生成整顿工作通报：南岭县委2026年第4季度",
        target="south",
        user=clerk,
        org_path=south.path,
        status="done",
        files=["南岭县委2026年第4季度整顿工作通报.docx"],
    )
    outsider = User.objects.create_user("north_manager")
    set_password(outsider, PASSWORD, actor=outsider)  # past the first login's forced change
    grant_org(outsider, north, Role.MANAGE)
    return {
        "north_town": north_town,
        "north_branch": north_branch,
        "ids": {
            "org": spare.pk,
            "member": member.pk,
            "post": post.pk,
            "system": system.pk,
            "user": clerk.pk,
            "job": job.pk,
            "background_job": background_job.pk,
            "audit": AuditLog.objects.filter(org_path__startswith=south.path).order_by("seq").first().pk,
            "assessment": assessment.pk,
            "participant": assessment.participants.get(code="NL-VILLAGE").pk,
            "scheme": assessment.scheme_id,
            "evidence": Evidence.objects.get().pk,
            **south_case(branch),
            "notification": south_notification(clerk),
            "token": issue_token(clerk, actor=clerk, label="南岭脚本")[0].pk,
            **south_accountability(spare, station),
            **south_week(station, town),
            **south_working(branch, clerk),
            **south_inspection(south, branch),
            **south_partylife(spare),
            **south_duties(south, spare),
            **south_resources(spare),
            **south_rulebook(south),
            **south_dues(member),
        },
    }


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """The fixture's uploads (evidence, reports) go to a temporary folder, not the installation's data folder."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def outsider(region):
    client = Client()
    client.force_login(User.objects.get(username="north_manager"))
    return client


def fingerprint():
    """Everything stored about organizations, members, posts and transfers, as one hash."""
    rows = [
        list(Organization.objects.order_by("pk").values_list("pk", "name", "code", "path", "parent_id", "kind")),
        list(Member.objects.order_by("pk").values_list("pk", "name", "org_id", "status", "phone", "id_number")),
        list(CommitteePost.objects.order_by("pk").values_list("pk", "org_id", "holder_name")),
        list(MemberTransfer.objects.order_by("pk").values_list("pk", "member_id", "to_org_id")),
        list(VerticalSystem.objects.order_by("pk").values_list("pk", "name", "owner_id")),
        list(ApiToken.objects.order_by("pk").values_list("pk", "user_id")),  # nobody revokes another's token
        list(Workstation.objects.order_by("pk").values_list("pk", "name", "code", "retired_on", "chief_name")),
        list(Workstation.villages.through.objects.order_by("pk").values_list("workstation_id", "organization_id")),
        list(StationStaff.objects.order_by("pk").values_list("pk", "name")),
        list(StationAccount.objects.order_by("pk").values_list("pk", "user_id")),
        list(OrgGrant.objects.order_by("pk").values_list("pk", "user_id", "org_id", "role")),
        list(Arrangement.objects.order_by("pk").values_list("pk", "week", "published_at")),
        list(VillageReport.objects.order_by("pk").values_list("pk", "submitted_at")),
        list(StationReport.objects.order_by("pk").values_list("pk", "submitted_at")),
        list(DutyTask.objects.order_by("pk").values_list("pk", "status", "note")),
        list(DutyTemplate.objects.order_by("pk").values_list("pk", "title", "active")),
        list(Seat.objects.order_by("pk").values_list("pk", "holder_name")),
        list(DutyItem.objects.order_by("pk").values_list("pk", "active")),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def assert_nothing_shown(response, echo=""):
    """`echo` is what the user typed into a search box, which the page may show back."""
    body = response.content.decode(errors="replace")
    for name in FULL_NAMES - {echo}:
        assert name not in body, f"{response.request['PATH_INFO']} shows {name!r}"
    if echo:
        body = body.replace(echo, "")
    for secret in SECRET_NAMES:
        assert secret not in body, f"{response.request['PATH_INFO']} shows {secret!r}"


def hostile_form(region):
    """A POST that would do harm if it got through: rename, move under the outsider, transfer in."""
    return {
        "name": "被篡改",
        "code": "HACKED",
        "kind": OrgKind.BRANCH,
        "level": Level.VILLAGE,
        "domain": Domain.VILLAGE,
        "new_parent": region["north_town"].code,
        "to_org": region["north_branch"].code,
        "date": "2026-01-01",
        "gender": "male",
        "status": "full",
        "post": Post.DEPUTY,
        "holder_name": "冒名者",
        "confirm": "on",
    }


def test_every_route_is_walked():
    names = {name for name, _ in walk()}
    unknown = names - set(ROUTES)
    assert not unknown, f"新增路由未纳入数据范围巡检：{sorted(unknown)}"
    with_object = {name for name, kind in ROUTES.items() if kind}
    apis = {"org-detail", "member-detail", *API_ASSESS, *API_ACCOUNTABILITY, *API_RECTIFY}
    apis |= {*API_WEEKLY, *API_WORKING, *API_PARTYLIFE, *API_INSPECTIONS}
    apis |= {*API_DUTIES}
    apis |= set(API_RESOURCES)
    assert with_object - apis == set(PAGES_WITH_OBJECT)


@pytest.mark.parametrize("name", sorted(PAGES_WITH_OBJECT))
def test_pages_of_another_county_answer_404_and_change_nothing(outsider, region, name):
    url = PAGES_WITH_OBJECT[name].format(**region["ids"])
    before, audit_before = fingerprint(), AuditLog.objects.count()

    response = outsider.get(url)
    # A route that takes only POST answers GET with 405 before it looks anything up.
    assert response.status_code == (405 if name in POST_ONLY else 404), (url, response.status_code)
    assert_nothing_shown(response)
    response = outsider.post(url, hostile_form(region))
    # A page that takes no POST answers 405 before it looks anything up.
    assert response.status_code == (404 if name in POST_ONLY or name in FORMS else 405), (url, response.status_code)
    assert_nothing_shown(response)
    assert fingerprint() == before
    assert AuditLog.objects.count() == audit_before


@pytest.mark.parametrize("template", API_WITH_OBJECT)
def test_api_objects_of_another_county_answer_404_or_403_and_change_nothing(region, template):
    url = template.format(**region["ids"])
    client = Client()
    token = client.post("/api/token/", {"username": "north_manager", "password": PASSWORD}).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    before, audit_before = fingerprint(), AuditLog.objects.count()

    response = client.get(url, **auth)
    assert response.status_code == (405 if template in API_POST_ONLY else 404)
    assert_nothing_shown(response)
    hostile = {"name": "被篡改", "participant": "NL-VILLAGE", "indicator": "G01", "value": "0"}
    for method in (client.post, client.put, client.patch, client.delete):
        response = method(url, data=hostile, content_type="application/json", **auth)
        assert response.status_code in (403, 404, 405), (method, url, response.status_code)
        assert_nothing_shown(response)
    assert fingerprint() == before
    assert AuditLog.objects.count() == audit_before  # no entry written, nothing else either


@pytest.mark.parametrize("url", LIST_PAGES)
def test_lists_search_counts_and_schema_show_nothing_of_another_county(outsider, url):
    response = outsider.get(url)
    assert response.status_code == 200, (url, response.status_code)
    query = dict(part.split("=", 1) for part in url.partition("?")[2].split("&") if part)
    echo = query.get("q") or query.get("search") or query.get("org_code") or query.get("code") or ""
    assert_nothing_shown(response, echo)


@pytest.mark.parametrize("url", sorted(INSPECTION_DOWNLOADS))
def test_inspection_downloads_of_the_own_county_hold_nothing_of_another(outsider, url):
    import io

    from docx import Document
    from openpyxl import load_workbook

    if "/generate/" in url:  # the bulletin: the worker's job (run here, in the request) writes .docx and .xlsx
        path, _, query = url.partition("?")
        with override_settings(JOBS_INLINE=True):
            started = outsider.post(path, dict(part.split("=") for part in query.split("&")))
        assert started.status_code == 302
        contents = [outsider.get(f"{started['Location']}files/{n}/") for n in (0, 1)]
        names = [".docx", ".xlsx"]
    else:
        contents, names = [outsider.get(url)], [url]
    for response, name_of in zip(contents, names, strict=True):
        assert response.status_code == 200
        data = io.BytesIO(b"".join(response.streaming_content))
        if ".docx" in name_of:
            text = "\n".join(p.text for p in Document(data).paragraphs)
        else:
            book = load_workbook(data)
            text = "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row)
        for name in [*FULL_NAMES, *SECRET_NAMES]:
            assert name not in text, (url, name)


def test_home_counts_only_the_own_county(outsider):
    response = outsider.get("/")
    # 漠北县委, 松岭镇党委, 青松村党支部: three organizations, one member.
    assert response.context["org_total"] == 3
    assert response.context["member_totals"]["total"] == 1


@pytest.mark.parametrize(
    ("url", "payload"),
    [
        (
            "/orgs/new/",
            {
                "parent": "NL-TOWN",
                "name": "渗透支部",
                "code": "W-NEW",
                "kind": OrgKind.BRANCH,
                "level": Level.VILLAGE,
                "domain": Domain.VILLAGE,
            },
        ),
        ("/members/new/", {"org": "NL-VILLAGE", "name": "渗透党员", "gender": "male", "status": "full"}),
        ("/rules/org.secretary/override/", {"org_code": "NL-COUNTY", "disabled": "on", "reason": "越权调整"}),
    ],
)
def test_creating_under_another_county_is_refused_and_writes_nothing(outsider, url, payload):
    before = fingerprint()
    response = outsider.post(url, payload)
    assert response.status_code == 400
    assert "不在您的数据范围" in response.content.decode() or "不存在" in response.content.decode()
    for secret in ("南岭镇党委", "南岭村党支部"):
        assert secret not in response.content.decode()
    assert fingerprint() == before


def test_moving_own_org_under_another_county_is_refused(outsider, region):
    before = fingerprint()
    response = outsider.post(f"/orgs/{region['north_branch'].pk}/move/", {"new_parent": "NL-TOWN"})
    assert response.status_code == 400
    assert fingerprint() == before


def test_transferring_own_member_into_another_county_is_refused(outsider, region):
    member = Member.objects.get(name="张青山")
    before = fingerprint()
    response = outsider.post(f"/members/{member.pk}/transfer/", {"to_org": "NL-VILLAGE", "date": "2026-01-02"})
    assert response.status_code == 400
    assert fingerprint() == before


ANONYMOUS_URLS = {
    **PAGES_WITH_OBJECT,
    "home": "/",
    "orgs:tree": "/orgs/",
    "orgs:search": "/orgs/search/",
    "orgs:create": "/orgs/new/",
    "orgs:systems": "/orgs/systems/",
    "members:list": "/members/",
    "members:create": "/members/new/",
    "password_change": "/accounts/password/",
    "otp_verify": "/accounts/otp/",
    "otp_setup": "/accounts/otp/setup/",
    "security_policy": "/accounts/policy/",
    "api_tokens": "/accounts/tokens/",
    "api-token-revoke": "/api/token/revoke/",
    "sheets:imports": "/sheets/import/",
    "sheets:import": "/sheets/import/members/",
    "sheets:template": "/sheets/import/members/template/",
    "sheets:export_orgs": "/sheets/export/orgs/",
    "sheets:export_members": "/sheets/export/members/",
    "users:list": "/users/",
    "users:create": "/users/new/",
    "audit:list": "/audit/",
    "audit:export": "/audit/export/",
    "audit:verify": "/audit/verify/",
    "cadence:list": "/notifications/",
    "cadence:read_all": "/notifications/read-all/",
    "cadence:spot_checks": "/notifications/spot-checks/",
    "assess:list": "/assess/",
    "assess:create": "/assess/new/",
    "assess:scheme_create": "/assess/schemes/new/",
    "rectify:list": "/rectify/",
    "rectify:create": "/rectify/new/",
    "rectify:rollover": "/rectify/rollover/",
    "rectify:ledger": "/rectify/ledger/",
    "org-list": "/api/orgs/",
    "org-detail": "/api/orgs/{org}/",
    "member-list": "/api/members/",
    "member-detail": "/api/members/{member}/",
    "assessment-list": "/api/assessments/",
    "scheme-list": "/api/schemes/",
    **API_ASSESS,
    **API_ACCOUNTABILITY,
    **ACCOUNTABILITY_LISTS,
    "rectify_bulletin:index": "/rectify/bulletins/",
    "rectify_bulletin:generate": "/rectify/bulletins/generate/",
    "inspections:bulletin_generate": "/inspections/bulletin/generate/",
    "rectify_bulletin:cases_export": "/rectify/bulletins/cases.xlsx",
    "case-list": "/api/cases/",
    **API_RECTIFY,
    "stations:list": "/stations/",
    "stations:export": "/stations/export.xlsx",
    "stations:create": "/stations/new/",
    "station-list": "/api/stations/",
    "weekly:board": "/weekly/",
    "weekly-arrangement-list": "/api/weekly/arrangements/",
    "weekly-report-list": "/api/weekly/reports/",
    "weekly-station-report-list": "/api/weekly/station-reports/",
    **WORKING_LISTS,
    **API_WEEKLY,
    **API_WORKING,
    **INSPECTION_LISTS,
    **API_INSPECTIONS,
    **PARTYLIFE_LISTS,
    **API_PARTYLIFE,
    "dashboards:index": "/dashboards/",
    "rulebook:list": "/rules/",
    "rulebook:detail": "/rules/org.secretary/",
    "rulebook:override": "/rules/org.secretary/override/",
    "staffing:index": "/staffing/",
}
ANONYMOUS_URLS |= {**DUTY_LISTS, **API_DUTIES}
ANONYMOUS_URLS |= RESOURCES_LISTS | API_RESOURCES
ANONYMOUS_URLS |= {
    "dues:sheet": "/dues/",
    "dues:mark_paid": "/dues/pay/",
    "dues:export": "/dues/dues.xlsx",
    "dues:arrears": "/dues/arrears/",
    "dues:rollup": "/dues/rollup/",
    "dues-list": "/api/dues/",
}
OPEN_ROUTES = {"login", "logout", "ping", "api-token", "api-schema", "api-root"}
OPEN_ROUTES |= {"survey_answer"}  # the residents' survey: public by design, each link answerable once
OPEN_ROUTES |= {"opinion_public"}  # residents' opinions: the one form of a printed code (tests/test_opinions.py)
OPEN_ROUTES |= {"healthz"}  # for load balancers and monitoring: machinery only, no personal data


def test_anonymous_visitors_are_sent_to_login_and_api_refuses_them(region):
    assert set(ANONYMOUS_URLS) | OPEN_ROUTES == set(ROUTES)
    client = Client()
    for url in ANONYMOUS_URLS.values():
        response = client.get(url.format(**region["ids"]))
        if url.startswith("/api/"):
            assert response.status_code in (401, 403), (url, response.status_code)
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        assert_nothing_shown(response)
