from django.urls import path

from .home import HomeView
from .views import PingView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("ping/", PingView.as_view(), name="ping"),
]
