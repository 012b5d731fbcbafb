"""Base views: every page that shows or changes scoped data goes through these mixins."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views import View
from django.views.defaults import bad_request as plain_bad_request

from .paging import CappedPaginator, page_of
from .params import BadParameter
from .scope import Action
from .services import OutOfScope

PAGE_SIZE = 50


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


def paged(request, rows, per_page: int = PAGE_SIZE, param: str = "page") -> dict:
    """One page of `rows` as the request asks, and the request's other parameters, url-encoded, for the pager's links
    (core/_pager.html), so paging keeps the filters. `param` names the page parameter where a page has two lists.
    A page number that is not a whole number from 1 up is refused with 400 (core.paging.page_of)."""
    paginator = CappedPaginator(rows, per_page) if hasattr(rows, "query") else Paginator(rows, per_page)
    page = page_of(paginator, request, param)
    query = request.GET.copy()
    query.pop(param, None)
    return {"page": page, "query": query.urlencode()}


@dataclass
class Head:
    """The first rows of a list that a page shows as a summary, and how many there are in all."""

    rows: list
    total: int

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


def first_rows(rows, limit: int) -> Head:
    """A short list shown as part of another page: its first `limit` rows, and the total (counted only when there
    are more), so the page can say "共 N 条，仅显示前 M 条" (core/_more.html) instead of cutting silently."""
    head = list(rows[: limit + 1])
    if len(head) <= limit:
        return Head(head, len(head))
    return Head(head[:limit], rows.count() if hasattr(rows, "query") else len(rows))


class ScopedListView(ScopedViewMixin, View):
    """A list page: the scoped rows (`list_rows`), filtered by `filterset_class` (through `filter_list`, so what a
    filter names is looked up within the user's scope) when there is one, shown a page of
    `paginate_by` at a time with the one pager. Lists page through everything rather than stop at a fixed number:
    a cut nobody is told about hides rows.

    Subclasses set `model`, `template_name`, and override `list_rows` (ordering, joins) and `get_context_data`
    (what else the page shows). The template gets `page`, `query` and `filter`."""

    template_name = ""
    paginate_by = PAGE_SIZE
    list_select_related: tuple[str, ...] = ()  # joins every row shows (its organization, …)
    ordering: tuple[str, ...] = ()

    def list_rows(self):
        rows = self.get_queryset()
        if self.list_select_related:
            rows = rows.select_related(*self.list_select_related)
        return rows.order_by(*self.ordering) if self.ordering else rows

    def filtered(self):
        """The list's filterset on its scoped rows; the export of the list uses the same."""
        return self.filter_list(self.list_rows())

    def get_context_data(self, **context) -> dict:
        return context

    def render_list(self, request, status: int = 200, **extra):
        context = dict(extra)
        rows = self.list_rows()
        if self.filterset_class is not None:
            context["filter"] = filterset = self.filtered()
            rows = filterset.qs
        context.update(paged(request, rows, self.paginate_by))
        return render(request, self.template_name, self.get_context_data(**context), status=status)

    def get(self, request, *args, **kwargs):
        return self.render_list(request)


class ScopedDetailView(ScopedViewMixin, View):
    """One scoped record's page: `get_object_or_404` (out of scope answers like missing), whether the user may
    change it (`can_change`: the same record within their CHANGE scope), and `get_context_data` for the rest.
    A view that posts a form and shows the page again with its errors calls `render_detail(..., status=400)` with
    the bound form in `extra`.

    Subclasses set `model`, `template_name`, `context_object_name`, and override `get_context_data`."""

    template_name = ""
    context_object_name = "object"
    offers_changes = True  # False for a page with nothing to change on it (no `can_change`, no query for it)

    def may_change(self, obj) -> bool:
        return self.offers_changes and self.scoped(type(obj), Action.CHANGE).filter(pk=obj.pk).exists()

    def get_context_data(self, obj, /, **context) -> dict:
        return context

    def render_detail(self, request, pk, status: int = 200, **extra):
        obj = self.get_object_or_404(pk)
        context = {self.context_object_name: obj, "can_change": self.may_change(obj)} | extra
        return render(request, self.template_name, self.get_context_data(obj, **context), status=status)

    def get(self, request, pk):
        return self.render_detail(request, pk)


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
