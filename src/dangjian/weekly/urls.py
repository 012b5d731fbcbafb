from django.urls import path

from . import views

app_name = "weekly"

urlpatterns = [
    path("", views.BoardView.as_view(), name="board"),
    path("town/<int:pk>/", views.TownBoardView.as_view(), name="town"),
    path("town/<int:pk>/publish/", views.PublishView.as_view(), name="publish"),
    path("station/<int:pk>/", views.StationBoardView.as_view(), name="station"),
    path("station/<int:pk>/relay/", views.RelayView.as_view(), name="relay"),
    path("arrangements/<int:pk>/", views.ArrangementView.as_view(), name="arrangement"),
    path("arrangements/<int:pk>.xlsx", views.ArrangementXlsxView.as_view(), name="arrangement_xlsx"),
    path("arrangements/<int:pk>/forward/", views.ForwardView.as_view(), name="forward"),
    path("reports/<int:pk>/", views.VillageReportView.as_view(), name="report"),
    path("reports/<int:pk>.xlsx", views.VillageReportXlsxView.as_view(), name="report_xlsx"),
    path("station-reports/<int:pk>/", views.StationReportView.as_view(), name="station_report"),
    path("station-reports/<int:pk>.xlsx", views.StationReportXlsxView.as_view(), name="station_report_xlsx"),
    path("photos/<int:pk>/", views.PhotoView.as_view(), name="photo"),
]
