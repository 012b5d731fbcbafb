from django.urls import path

from . import views

app_name = "problems"

urlpatterns = [
    path("", views.ProblemListView.as_view(), name="problems"),
    path("problems.xlsx", views.ProblemExportView.as_view(), name="problems_export"),
    path("duties/", views.DutyListView.as_view(), name="duties"),
    path("duties.xlsx", views.DutyExportView.as_view(), name="duties_export"),
    path("closed/", views.ClosedListView.as_view(), name="closed"),
    path("closed.xlsx", views.ClosedExportView.as_view(), name="closed_export"),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("new/", views.ProblemCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ProblemDetailView.as_view(), name="detail"),
    path("<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("<int:pk>/progress/", views.ProgressView.as_view(), name="progress"),
    path("<int:pk>/submit/", views.SubmitView.as_view(), name="submit"),
    path("<int:pk>/close/", views.CloseView.as_view(), name="close"),
    path("<int:pk>/return/", views.ReturnView.as_view(), name="return"),
    path("<int:pk>/escalate/", views.EscalateView.as_view(), name="escalate"),
]
