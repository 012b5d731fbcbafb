from django.urls import path

from . import views

app_name = "resources"

urlpatterns = [
    path("", views.RollupView.as_view(), name="rollup"),
    path("projects/", views.ProjectListView.as_view(), name="projects"),
    path("projects/new/", views.ProjectFormView.as_view(), name="project_create"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="project"),
    path("projects/<int:pk>/edit/", views.ProjectFormView.as_view(), name="project_edit"),
    path("projects/<int:pk>/milestones/", views.MilestoneAddView.as_view(), name="milestone_add"),
    path("projects/<int:pk>/evidence/", views.EvidenceAddView.as_view(), name="evidence_add"),
    path("milestones/<int:pk>/done/", views.MilestoneDoneView.as_view(), name="milestone_done"),
    path("evidence/<int:pk>/", views.EvidenceView.as_view(), name="evidence"),
    path("venues/", views.VenueListView.as_view(), name="venues"),
    path("venues.xlsx", views.VenueExportView.as_view(), name="venues_export"),
    path("venues/new/", views.VenueFormView.as_view(), name="venue_create"),
    path("venues/<int:pk>/", views.VenueDetailView.as_view(), name="venue"),
    path("venues/<int:pk>/edit/", views.VenueFormView.as_view(), name="venue_edit"),
    path("venues/<int:pk>/photos/", views.VenuePhotoAddView.as_view(), name="venue_photos"),
    path("venues/<int:pk>/services/", views.ServiceAddView.as_view(), name="venue_services"),
    path("venue-photos/<int:pk>/", views.VenuePhotoView.as_view(), name="venue_photo"),
    path("trainings/", views.TrainingListView.as_view(), name="trainings"),
    path("trainings.xlsx", views.TrainingExportView.as_view(), name="trainings_export"),
    path("trainings/new/", views.TrainingCreateView.as_view(), name="training_create"),
    path("trainings/<int:pk>/", views.TrainingDetailView.as_view(), name="training"),
    path("funds/", views.FundListView.as_view(), name="funds"),
    path("funds/new/", views.FundCreateView.as_view(), name="fund_create"),
    path("secretaries/", views.SecretaryListView.as_view(), name="secretaries"),
    path("secretaries/new/", views.SecretaryCreateView.as_view(), name="secretary_create"),
    path("secretaries/<int:pk>/", views.SecretaryDetailView.as_view(), name="secretary"),
    path("secretaries/<int:pk>/reports/", views.ReportAddView.as_view(), name="report_add"),
    path("standard/", views.StandardView.as_view(), name="standard"),
]
