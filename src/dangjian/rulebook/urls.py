from django.urls import path

from . import views

app_name = "rulebook"

urlpatterns = [
    path("", views.RuleListView.as_view(), name="list"),
    path("<str:key>/", views.RuleDetailView.as_view(), name="detail"),
]
