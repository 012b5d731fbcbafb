"""Base views: every page that shows or changes scoped data goes through these mixins."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views import View
from django.views.defaults import bad_request as plain_bad_request

from .params import BadParameter
from .scope import Action
from .services import OutOfScope


class ScopedViewMixin(LoginRequiredMixin):
    """Restricts `queryset` to the user's scope for `scope_action`. The only place views call `restrict`."""

    model = None
    queryset = None
    scope_action: str = Action.VIEW
    filterset_class = None  # a list's filters (a core.filters.ScopedFilterSet)

    def filter_list(self, queryset):
        """The list's filters (`filterset_class`) over `queryset`, with the request, so the organizations and other
        objects a filter names are looked up within the user's scope, as in the API."""
        return self.filterset_class(self.request.GET, queryset=queryset, request=self.request)

    def base_queryset(self):
        if self.queryset is not None:
            return self.queryset.all()
        return self.model.objects.all()

    def get_queryset(self):
        return self.base_queryset().restrict(self.request.user, self.scope_action)

    def scoped(self, model_or_qs, action: str = Action.VIEW):
        """Any other scoped queryset a page needs (choices, counts, related lists), restricted the same way."""
        qs = model_or_qs.objects.all() if hasattr(model_or_qs, "objects") else model_or_qs
        return qs.restrict(self.request.user, action)

    def get_object_or_404(self, pk, action: str | None = None):
        """Out of scope answers exactly like missing."""
        qs = self.base_queryset().restrict(self.request.user, action or self.scope_action)
        try:
            return qs.get(pk=pk)
        except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404("未找到该记录，或它不在您的数据范围内。") from exc

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except OutOfScope as exc:
            raise Http404("未找到该记录，或它不在您的数据范围内。") from exc


def apply_validation_error(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors by field, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class PingView(View):
    def get(self, request):
        from django.http import HttpResponse

        return HttpResponse("ok", content_type="text/plain")


def bad_request(request, exception=None):
    """A query parameter refused by `core.params` answers 400 with its message in Chinese; any other bad request
    (a disallowed host, a broken cookie) gets Django's plain page, which assumes nothing of the request."""
    if isinstance(exception, BadParameter):
        return render(request, "400.html", {"message": str(exception)}, status=400)
    return plain_bad_request(request, exception)


NOT_FOUND = "未找到该页面或记录，或它不在您的数据范围内。"


def not_found(request, exception=None):
    """An address no route matches. Under /api/ (`/api/assessments/abc/results/`, where the route takes a number) the
    answer is JSON like every other API error, as the schema says."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": NOT_FOUND}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without a valid token (stale page, expired session, cookies off, or a forged
    request from another site) is refused in Chinese with what to do next, and noted in the log with the address."""
    import logging

    from django.utils.http import url_has_allowed_host_and_scheme

    from .context import client_ip

    logging.getLogger("dangjian.security").warning(
        "CSRF 校验失败，已拒绝：%s %s，来源地址 %s，原因：%s", request.method, request.path, client_ip(request), reason
    )
    # Back to the page the form was on (this site's only), else the address the form was sent to.
    referer = request.META.get("HTTP_REFERER", "")
    same_site = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()})
    return render(request, "403_csrf.html", {"retry_url": referer if same_site else request.path}, status=403)
