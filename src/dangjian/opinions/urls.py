from django.urls import path

from . import views

app_name = "opinions"

urlpatterns = [
    path("", views.OpinionListView.as_view(), name="list"),
    path("opinions.xlsx", views.OpinionExportView.as_view(), name="export"),
    path("figures/", views.FiguresView.as_view(), name="figures"),
    path("new/", views.OpinionCreateView.as_view(), name="create"),
    path("codes/", views.CodeListView.as_view(), name="codes"),
    path("codes/<int:pk>/", views.CodeSheetView.as_view(), name="code_sheet"),
    path("codes/<int:pk>/withdraw/", views.CodeWithdrawView.as_view(), name="code_withdraw"),
    path("<int:pk>/", views.OpinionDetailView.as_view(), name="detail"),
    path("<int:pk>/unmask/", views.OpinionUnmaskView.as_view(), name="unmask"),
    path("<int:pk>/category/", views.CategoryView.as_view(), name="category"),
    path("<int:pk>/reply/", views.ReplyView.as_view(), name="reply"),
    path("<int:pk>/problem/", views.ToProblemView.as_view(), name="to_problem"),
]
