from django.urls import path

from . import bulletin_views, entry_views, result_views, review_views, scheme_views, survey_views, views, whatif_views

app_name = "assess"

# Publishing and the participant page are added to this namespace from `dangjian.flows.urls` (they reach rectify).

urlpatterns = [
    path("", views.AssessmentListView.as_view(), name="list"),
    path("new/", views.AssessmentCreateView.as_view(), name="create"),
    path("<int:pk>/", views.AssessmentDetailView.as_view(), name="detail"),
    path("<int:pk>/run/", views.RunView.as_view(), name="run"),
    path("<int:pk>/grid/<str:code>/", entry_views.GridView.as_view(), name="grid"),
    path("<int:pk>/results/", result_views.ResultsView.as_view(), name="results"),
    path("<int:pk>/results.xlsx", result_views.ResultsExportView.as_view(), name="results_export"),
    path("orgs/<int:pk>/evidence/", entry_views.EvidenceUploadView.as_view(), name="evidence_upload"),
    path("orgs/<int:pk>/result/", result_views.ExplainView.as_view(), name="explain"),
    path("evidence/<int:pk>/", entry_views.EvidenceDownloadView.as_view(), name="evidence"),
    path("<int:pk>/survey/", survey_views.AssessmentSurveyView.as_view(), name="survey"),
    path("orgs/<int:pk>/survey/", survey_views.ParticipantSurveyView.as_view(), name="survey_links"),
    path("orgs/<int:pk>/survey/sheet/", survey_views.SurveySheetView.as_view(), name="survey_sheet"),
    path("<int:pk>/reviews/", review_views.ReviewListView.as_view(), name="reviews"),
    path("orgs/<int:pk>/review/", review_views.ReviewView.as_view(), name="review"),
    path("orgs/<int:pk>/review/report/", review_views.ReviewUploadView.as_view(), name="review_upload"),
    path("orgs/<int:pk>/review/report/file/", review_views.ReviewReportView.as_view(), name="review_report"),
    path("schemes/new/", scheme_views.SchemeCreateView.as_view(), name="scheme_create"),
    path("schemes/<int:pk>/", scheme_views.SchemeDetailView.as_view(), name="scheme"),
    path("schemes/<int:pk>/edit/", scheme_views.SchemeEditView.as_view(), name="scheme_edit"),
    path("schemes/<int:pk>/clone/", scheme_views.SchemeCloneView.as_view(), name="scheme_clone"),
    path("schemes/<int:pk>/scheme.yaml", scheme_views.SchemeDownloadView.as_view(), name="scheme_yaml"),
    path("<int:pk>/whatif/", whatif_views.WhatIfView.as_view(), name="whatif"),
    path("<int:pk>/facts/", views.TakeFactsView.as_view(), name="take_facts"),
    path("<int:pk>/bulletin.docx", bulletin_views.AssessmentBulletinView.as_view(), name="bulletin"),
]
