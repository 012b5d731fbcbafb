"""The auditor's pages, mounted at /audit/ (namespace `audit`). Read-only: no view here changes data."""

from django.urls import path

from . import views as audit_views

app_name = "audit"

urlpatterns = [
    path("", audit_views.AuditLogListView.as_view(), name="list"),
    path("export/", audit_views.AuditLogExportView.as_view(), name="export"),
    path("verify/", audit_views.AuditVerifyView.as_view(), name="verify"),
    path("<int:pk>/", audit_views.AuditLogDetailView.as_view(), name="detail"),
    path("<int:pk>/changeset/", audit_views.AuditChangeSetView.as_view(), name="changeset"),
]
