from django.urls import path

from . import views

app_name = "sheets"

urlpatterns = [
    path("import/", views.ImportIndexView.as_view(), name="imports"),
    path("import/<str:kind>/", views.ImportView.as_view(), name="import"),
    path("import/<str:kind>/template/", views.TemplateDownloadView.as_view(), name="template"),
    path("jobs/<int:pk>/", views.JobView.as_view(), name="job"),
    path("jobs/<int:pk>/progress/", views.JobProgressView.as_view(), name="job_progress"),
    path("jobs/<int:pk>/errors/", views.JobErrorsView.as_view(), name="job_errors"),
    path("export/orgs/", views.OrgExportView.as_view(), name="export_orgs"),
    path("export/members/", views.MemberExportView.as_view(), name="export_members"),
]
