from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.MemberListView.as_view(), name="list"),
    path("new/", views.MemberCreateView.as_view(), name="create"),
    path("<int:pk>/", views.MemberDetailView.as_view(), name="detail"),
    path("<int:pk>/unmask/", views.MemberUnmaskView.as_view(), name="unmask"),
    path("<int:pk>/edit/", views.MemberEditView.as_view(), name="edit"),
    path("<int:pk>/transfer/", views.MemberTransferView.as_view(), name="transfer"),
    path("<int:pk>/delete/", views.MemberDeleteView.as_view(), name="delete"),
]
