"""The security administrator's user pages, mounted at /users/ (namespace `users`)."""

from django.urls import path

from . import admin_views as views

app_name = "users"

urlpatterns = [
    path("", views.UserListView.as_view(), name="list"),
    path("new/", views.UserCreateView.as_view(), name="create"),
    path("<int:pk>/", views.UserDetailView.as_view(), name="detail"),
    path("<int:pk>/password/", views.PasswordResetView.as_view(), name="password"),
    path("<int:pk>/active/", views.ActiveView.as_view(), name="active"),
    path("<int:pk>/unlock/", views.UnlockView.as_view(), name="unlock"),
    path("<int:pk>/grants/add/", views.GrantAddView.as_view(), name="grant_add"),
    path("<int:pk>/grants/remove/", views.GrantRemoveView.as_view(), name="grant_remove"),
    path("<int:pk>/duties/", views.DutyView.as_view(), name="duty"),
    path("<int:pk>/unmask/", views.UnmaskView.as_view(), name="unmask"),
    path("<int:pk>/tokens/revoke/", views.TokensRevokeView.as_view(), name="tokens_revoke"),
]
