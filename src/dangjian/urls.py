"""All URL patterns, listed explicitly."""

from django.urls import include, path

urlpatterns = [
    path("", include("dangjian.core.urls")),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("api/", include("dangjian.api_urls")),
]

handler404 = "dangjian.core.views.not_found"
handler500 = "dangjian.core.views.server_error"
