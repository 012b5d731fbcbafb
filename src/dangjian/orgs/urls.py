from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("", views.OrgTreeView.as_view(), name="tree"),
    path("search/", views.OrgSearchView.as_view(), name="search"),
    path("new/", views.OrgCreateView.as_view(), name="create"),
    path("<int:pk>/children/", views.OrgChildrenView.as_view(), name="children"),
    path("<int:pk>/edit/", views.OrgEditView.as_view(), name="edit"),
    path("<int:pk>/move/", views.OrgMoveView.as_view(), name="move"),
    path("<int:pk>/delete/", views.OrgDeleteView.as_view(), name="delete"),
    path("<int:pk>/posts/add/", views.PostAddView.as_view(), name="post_add"),
    path("posts/<int:pk>/remove/", views.PostRemoveView.as_view(), name="post_remove"),
    path("systems/", views.SystemListView.as_view(), name="systems"),
    path("systems/<int:pk>/", views.SystemChainView.as_view(), name="system_chain"),
]
