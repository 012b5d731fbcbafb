"""Base API classes: the data scope is applied here once for every viewset."""

from rest_framework import viewsets

from .scope import Action


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Lists and details only what the user may see; anything else is 404, like a missing object."""

    scope_action = Action.VIEW

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user, self.scope_action)
