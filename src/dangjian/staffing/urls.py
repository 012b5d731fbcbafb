from django.urls import path

from . import views

app_name = "staffing"

urlpatterns = [
    path("", views.StaffingIndexView.as_view(), name="index"),
    path("systems/<int:pk>/", views.SystemStaffingView.as_view(), name="system"),
]
