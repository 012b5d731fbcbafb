"""Routes of the pages that span apps. Each keeps the name it has always had: the home page at the top, the others
in the namespace of the app they belong to by sight (`orgs:detail`, `assess:publish`, `assess:participant`), so
templates and links do not change. `dangjian/urls.py` adds `orgs_pages` and `assess_pages` to those apps' own
routes when it mounts them; the apps' urls.py cannot name these views, which sit above them."""

from django.urls import path

from . import assess_pages, dashboards, home, org_page, rulebook_pages

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
]

orgs_pages = [
    path("<int:pk>/", org_page.OrgDetailView.as_view(), name="detail"),
]

assess_pages = [
    path("<int:pk>/publish/", assess_pages.PublishView.as_view(), name="publish"),
    path("orgs/<int:pk>/", assess_pages.ParticipantView.as_view(), name="participant"),
]

dashboards_pages = [
    path("", dashboards.DashboardView.as_view(), name="index"),
    path("<int:pk>/", dashboards.DashboardView.as_view(), name="org"),
]

rulebook_pages = [
    path("<str:key>/override/", rulebook_pages.OverrideView.as_view(), name="override"),
    path("overrides/<int:pk>/withdraw/", rulebook_pages.WithdrawView.as_view(), name="withdraw"),
]
