"""The quarterly bulletin's pages and the case export, mounted at /rectify/bulletins/ (namespace `rectify_bulletin`)."""

from django.urls import path

from . import bulletin_views

app_name = "rectify_bulletin"

urlpatterns = [
    path("", bulletin_views.BulletinView.as_view(), name="index"),
    path("generate/", bulletin_views.GenerateView.as_view(), name="generate"),
    path("cases.xlsx", bulletin_views.CaseExportView.as_view(), name="cases_export"),
]
