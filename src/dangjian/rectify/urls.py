from django.urls import path

from . import plan_views, views

app_name = "rectify"

urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("new/", views.CaseCreateView.as_view(), name="create"),
    path("rollover/", views.RollOverView.as_view(), name="rollover"),
    path("assessment/<int:pk>/open/", views.AssessmentCasesView.as_view(), name="open_for_assessment"),
    path("ledger/", views.LedgerView.as_view(), name="ledger"),
    path("ledger/<int:pk>/", views.LedgerView.as_view(), name="ledger_org"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", plan_views.CaseEditView.as_view(), name="edit"),
    path("<int:pk>/measures/add/", plan_views.MeasureAddView.as_view(), name="measure_add"),
    path("<int:pk>/supporters/", plan_views.SupportersView.as_view(), name="supporters"),
    path("<int:pk>/funds/add/", plan_views.FundAddView.as_view(), name="fund_add"),
    path("<int:pk>/town-check/", plan_views.TownCheckView.as_view(), name="town_check"),
    path("<int:pk>/close/", plan_views.CloseView.as_view(), name="close"),
    path("<int:pk>/reopen/", plan_views.ReopenView.as_view(), name="reopen"),
    path("measures/<int:pk>/done/", plan_views.MeasureDoneView.as_view(), name="measure_done"),
    path("measures/<int:pk>/entries/add/", plan_views.EntryAddView.as_view(), name="entry_add"),
    path("files/<int:pk>/", views.LedgerFileView.as_view(), name="file"),
    path("files/<int:pk>/thumb.jpg", views.LedgerThumbnailView.as_view(), name="file_thumb"),
]
