from django.urls import path

from . import development_views, views

app_name = "partylife"

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="meetings"),
    path("meetings.xlsx", views.MeetingExportView.as_view(), name="meetings_export"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting_create"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting"),
    path("meetings/<int:pk>/photos/", views.PhotoAddView.as_view(), name="meeting_photos"),
    path("meetings/<int:pk>/delete/", views.MeetingDeleteView.as_view(), name="meeting_delete"),
    path("photos/<int:pk>/", views.PhotoView.as_view(), name="photo"),
    path("completion/", views.CompletionView.as_view(), name="completion"),
    path("development/", development_views.ApplicantListView.as_view(), name="applicants"),
    path("development/new/", development_views.ApplicantCreateView.as_view(), name="applicant_create"),
    path("development/<int:pk>/", development_views.ApplicantDetailView.as_view(), name="applicant"),
    path("development/documents/<int:pk>/", development_views.DocumentView.as_view(), name="document"),
]
