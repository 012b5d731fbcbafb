from django.urls import path

from . import bulletin_views, setup_views, views, visit_views

app_name = "inspections"

urlpatterns = [
    path("", views.DrawListView.as_view(), name="list"),
    path("new/", views.DrawCreateView.as_view(), name="create"),
    path("<int:pk>/", views.DrawDetailView.as_view(), name="detail"),
    path("<int:pk>/exclude/", views.ExcludeView.as_view(), name="exclude"),
    path("<int:pk>/commit/", views.CommitView.as_view(), name="commit"),
    path("<int:pk>/beacon/", views.BeaconView.as_view(), name="beacon"),
    path("<int:pk>/draw/", views.DrawNowView.as_view(), name="draw"),
    path("<int:pk>/verify/", views.VerifyView.as_view(), name="verify"),
    path("<int:pk>/export.json", views.ExportView.as_view(), name="export"),
    path("targets/<int:pk>/", visit_views.TargetDetailView.as_view(), name="target"),
    path("targets/<int:pk>/visit/", visit_views.VisitRecordView.as_view(), name="visit_record"),
    path("visits/<int:pk>/follow-up/", visit_views.FollowUpView.as_view(), name="follow_up"),
    path("visits/<int:pk>/report.docx", visit_views.VisitReportView.as_view(), name="visit_report"),
    path("photos/<int:pk>/", visit_views.PhotoView.as_view(), name="photo"),
    path("findings/", visit_views.FindingListView.as_view(), name="findings"),
    path("findings.xlsx", visit_views.FindingExportView.as_view(), name="findings_export"),
    path("spot-checks/", bulletin_views.SpotCheckListView.as_view(), name="spot_checks"),
    path("bulletin/", bulletin_views.BulletinView.as_view(), name="bulletin"),
    path("bulletin/generate/", bulletin_views.GenerateView.as_view(), name="bulletin_generate"),
    path("checklists/", setup_views.ChecklistListView.as_view(), name="checklists"),
    path("checklists/new/", setup_views.ChecklistCreateView.as_view(), name="checklist_create"),
    path("checklists/<int:pk>/", setup_views.ChecklistDetailView.as_view(), name="checklist"),
    path("checklists/<int:pk>/edit/", setup_views.ChecklistEditView.as_view(), name="checklist_edit"),
    path("checklists/<int:pk>/copy/", setup_views.ChecklistCopyView.as_view(), name="checklist_copy"),
    path("inspectors/", setup_views.InspectorListView.as_view(), name="inspectors"),
    path("inspectors/<int:pk>/remove/", setup_views.InspectorRemoveView.as_view(), name="inspector_remove"),
]
