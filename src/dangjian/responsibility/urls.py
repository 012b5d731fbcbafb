from django.urls import path

from . import views

app_name = "responsibility"

urlpatterns = [
    path("", views.TaskListView.as_view(), name="tasks"),
    path("tasks/<int:pk>/", views.TaskView.as_view(), name="task"),
    path("tasks/<int:pk>/evidence/", views.EvidenceView.as_view(), name="evidence"),
    path("items/", views.ItemListView.as_view(), name="items"),
    path("items.xlsx", views.ItemExportView.as_view(), name="items_export"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("templates/seed/", views.TemplateSeedView.as_view(), name="templates_seed"),
    path("templates/new/", views.TemplateEditView.as_view(), name="template_create"),
    path("templates/<int:pk>/edit/", views.TemplateEditView.as_view(), name="template_edit"),
    path("groups/", views.GroupListView.as_view(), name="groups"),
    path("groups/<int:pk>/", views.GroupView.as_view(), name="group"),
    path("seats/<int:pk>/remove/", views.SeatRemoveView.as_view(), name="seat_remove"),
    path("orgs/<int:pk>/", views.OrgDutiesView.as_view(), name="org"),
    path("orgs/<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("orgs/<int:pk>/review/", views.ReviewView.as_view(), name="review"),
    path("systems/<int:pk>/", views.ChainView.as_view(), name="chain"),
]
