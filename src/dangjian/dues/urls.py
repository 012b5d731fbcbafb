from django.urls import path

from . import views

app_name = "dues"

urlpatterns = [
    path("", views.SheetView.as_view(), name="sheet"),
    path("pay/", views.MarkPaidView.as_view(), name="mark_paid"),
    path("dues.xlsx", views.ExportView.as_view(), name="export"),
    path("members/<int:pk>/", views.MemberDuesView.as_view(), name="member"),
    path("arrears/", views.ArrearsView.as_view(), name="arrears"),
    path("rollup/", views.RollupView.as_view(), name="rollup"),
]
