"""Pagination: page numbers parsed safely (pages and API), and counting that stays fast on millions of rows."""

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from .params import BIGINT_MAX, int_param

LIST_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most `cap` rows: an exact COUNT(*) over five million members costs a second on every page,
    and nobody pages past the first few hundred rows of an unfiltered list; they filter. `capped` tells
    the page to say so."""

    def __init__(
        self,
        object_list,
        per_page,
        cap: int | None = None,
        *,
        uncounted: bool = False,
        known: int | None = None,
        **kwargs,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap or LIST_CAP
        self.capped = False
        # `known`: the list's size read elsewhere (an unfiltered member list's, from the roll-ups), not counted. It is
        # shown as `total` even past the cap; paging still stops at the cap, as for a counted list.
        self.total = known
        if known is not None:
            self.capped = known > self.cap
            self.__dict__["count"] = min(known, self.cap)
        # `uncounted`: the list is paged without counting it (`open` once a page is full): for a search whose count
        # costs far more than its page, a one-character name at a province (the index finds 72,000 rows of one
        # surname before anything is counted; the page itself walks the list's order and stops at 50).
        self.uncounted = uncounted
        self.open = False

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            # How many rows, not which: without the ORDER BY, PostgreSQL counts a selective filter's rows from its
            # index (a member name's trigram lookup: 0.1 ms) instead of walking the list's order to the cap (100 ms).
            rows = rows.order_by()
        found = rows[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)

    def get_page(self, number):
        """The first page is read before anything is counted: a search or a filter mostly finds less than a page,
        and then its rows are the count, so the list costs one query of the search instead of two (a member's name
        at 5,000,000 members: the count was half the page's time in the database)."""
        if self.uncounted and not self.orphans and "count" not in self.__dict__:
            page = self._open_page(number)
            if page is not None:
                return page
        if number != 1 or "count" in self.__dict__ or self.orphans:
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:  # the whole list is on this page
            self.capped = len(rows) > self.cap
            rows = rows[: self.cap]
            self.__dict__["count"] = len(rows)
        return self._get_page(rows, 1, self)

    def _open_page(self, number: int):
        """Page `number` read with one row more than a page, which says whether another follows; the count is
        known only when this page ends the list. None past the end, or past the cap (a typed page number, up to
        2⁶³ − 1, would overflow the database's OFFSET): the list is then counted, capped, and its last page shown, as
        for a counted list."""
        start = (number - 1) * self.per_page
        if start >= self.cap:
            return None
        rows = list(self.object_list[start : start + self.per_page + 1])
        if not rows and number > 1:
            return None
        if len(rows) <= self.per_page:
            self.__dict__["count"] = start + len(rows)
            return self._get_page(rows, number, self)
        self.open = True
        return OpenPage(rows[: self.per_page], number, self)


class OpenPage(Page):
    """A full page of an uncounted list: another page follows, how many is not known."""

    def has_next(self) -> bool:
        return True

    def next_page_number(self) -> int:
        return self.number + 1

    def has_previous(self) -> bool:
        return self.number > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1


def page_of(paginator: Paginator, request, param: str = "page"):
    """The page `?page=` (or `param`, where a page has two lists) asks for. Past the last page shows the last, as
    Paginator.get_page does; a page number that is not a whole number from 1 up (`abc`, `0`, one of 30 digits) is
    refused with 400 (core.params)."""
    return paginator.get_page(int_param(request.GET, param, 1, minimum=1))


class ApiPagination(PageNumberPagination):
    """DRF's page numbers, parsed by `core.params`: `?page=abc` or a number of 30 digits is a 400 with a message in
    Chinese (DRF would answer 404 for the first and leave the second to the database); a page past the last is
    still 404 (“无效页面。”), as the schema says."""

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) in self.last_page_strings:
            return paginator.num_pages
        return int_param(request.query_params, self.page_query_param, 1, minimum=1)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "format": "int64", "minimum": 1, "maximum": BIGINT_MAX}
        return parameters
