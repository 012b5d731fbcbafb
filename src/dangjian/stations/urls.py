from django.urls import path

from . import views

app_name = "stations"

urlpatterns = [
    path("", views.StationListView.as_view(), name="list"),
    path("export.xlsx", views.StationExportView.as_view(), name="export"),
    path("new/", views.StationCreateView.as_view(), name="create"),
    path("<int:pk>/", views.StationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.StationEditView.as_view(), name="edit"),
    path("<int:pk>/retire/", views.StationRetireView.as_view(), name="retire"),
    path("<int:pk>/staff/add/", views.StaffAddView.as_view(), name="staff_add"),
    path("staff/<int:pk>/remove/", views.StaffRemoveView.as_view(), name="staff_remove"),
    path("<int:pk>/accounts/add/", views.AccountAddView.as_view(), name="account_add"),
    path("accounts/<int:pk>/remove/", views.AccountRemoveView.as_view(), name="account_remove"),
]
