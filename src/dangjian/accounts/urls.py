from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("otp/", views.OTPVerifyView.as_view(), name="otp_verify"),
    path("otp/setup/", views.OTPSetupView.as_view(), name="otp_setup"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("policy/", views.SecurityPolicyView.as_view(), name="security_policy"),
    path("tokens/", views.TokenListView.as_view(), name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="api_token_revoke"),
]
