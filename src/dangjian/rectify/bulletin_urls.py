"""The quarterly bulletin's pages and the case export, mounted at /rectify/bulletins/ (namespace `rectify_bulletin`)."""

from django.urls import path

from . import bulletin_views

app_name = "rectify_bulletin"

urlpatterns = [
    path("", bulletin_views.BulletinView.as_view(), name="index"),
    path("bulletin.docx", bulletin_views.BulletinDocxView.as_view(), name="docx"),
    path("bulletin.xlsx", bulletin_views.BulletinXlsxView.as_view(), name="xlsx"),
    path("cases.xlsx", bulletin_views.CaseExportView.as_view(), name="cases_export"),
]
