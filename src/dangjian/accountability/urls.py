from django.urls import path

from . import proposal_views, views

app_name = "accountability"

urlpatterns = [
    path("", views.RecordListView.as_view(), name="list"),
    path("records.xlsx", views.RecordExportView.as_view(), name="export"),
    path("new/", views.RecordCreateView.as_view(), name="create"),
    path("<int:pk>/", views.RecordDetailView.as_view(), name="detail"),
    path("person/", views.PersonView.as_view(), name="person"),
    path("proposals/", proposal_views.ProposalListView.as_view(), name="proposals"),
    path("proposals/generate/", proposal_views.GenerateView.as_view(), name="generate"),
    path("proposals/<int:pk>/", proposal_views.ProposalDetailView.as_view(), name="proposal"),
    path("proposals/<int:pk>/confirm/", proposal_views.ConfirmView.as_view(), name="confirm"),
    path("proposals/<int:pk>/dismiss/", proposal_views.DismissView.as_view(), name="dismiss"),
    path("ratings/", proposal_views.RatingListView.as_view(), name="ratings"),
    path("ratings/new/", proposal_views.RatingCreateView.as_view(), name="rating_create"),
    path("commendations/", views.CommendationListView.as_view(), name="commendations"),
    path("commendations/new/", views.CommendationCreateView.as_view(), name="commendation_create"),
]
