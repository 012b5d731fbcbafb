from django.urls import path

from .job_views import JobFileView, JobProgressView, JobView
from .views import PingView

urlpatterns = [
    path("ping/", PingView.as_view(), name="ping"),
    path("jobs/<int:pk>/", JobView.as_view(), name="job"),
    path("jobs/<int:pk>/progress/", JobProgressView.as_view(), name="job_progress"),
    path("jobs/<int:pk>/files/<int:n>/", JobFileView.as_view(), name="job_file"),
]
