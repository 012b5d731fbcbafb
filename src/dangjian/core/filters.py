"""The base of every list's FilterSet, and the two filters a list needs beyond django-filter's own.

- `IntegerFilter`: a whole number bounded to what the database holds. django-filter's NumberFilter takes any decimal
  below 1e50 and hands it to the query, where `?parent=9223372036854775808` or `?assessment=-1.9e70` ends in a
  server error; here it is a 400 with a message in Chinese.
- `ScopedRefFilter`: rows that refer to one scoped object (an organization by id or code, an assessment), resolved
  only among what the requesting user may see. One outside the scope narrows the list to nothing, exactly as a missing
  one does; resolving it unscoped would answer an ancestor's id with the user's own rows and a missing id with none,
  which tells the two apart.

Pages construct their FilterSet with `request=request`, as DRF's filter backend does, so the scope is the user's.
"""

from __future__ import annotations

import copy

import django_filters
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template import engines
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.drainage import set_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .params import BIGINT_MAX, BIGINT_MIN, BadParameter
from .scope import paths_q

INT64 = {"type": "integer", "format": "int64", "minimum": BIGINT_MIN, "maximum": BIGINT_MAX}


YEAR_MIN, YEAR_MAX = 2000, 2100


@extend_schema_field(INT64)
class IntegerFilter(django_filters.NumberFilter):
    """A whole number (a year, an id) within the signed 64-bit range of SQLite's INTEGER and PostgreSQL's bigint.
    The year of a date (`field_name` ending in `__year`) is 2000–2100 like the forms: the databases' date functions
    take no year 0 or 10000, and a filter on one was a server error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        of_a_date = str(kwargs.get("field_name", "")).endswith("__year")
        kwargs.setdefault("min_value", YEAR_MIN if of_a_date else BIGINT_MIN)
        kwargs.setdefault("max_value", YEAR_MAX if of_a_date else BIGINT_MAX)
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        return None  # the field's own max_value says it, in Chinese


class ScopedRefFilter(django_filters.Filter):
    """Rows referring to one object of `model`, named by `to_field` ("pk", or "code"), found only within the
    requesting user's scope (`model.objects.restrict(user)`); outside it the object is missing: no rows.

    With `subtree=True` (organizations) the rows of that object and of everything below it, `field_name` naming the
    rows' path (e.g. "org__path"); otherwise the rows whose `field_name` is that object."""

    def __init__(self, *args, model, to_field: str = "pk", subtree: bool = False, **kwargs):
        self.ref_model = model
        self.to_field = to_field
        self.subtree = subtree
        if to_field == "pk":
            self.field_class = forms.IntegerField
            kwargs.setdefault("min_value", BIGINT_MIN)
            kwargs.setdefault("max_value", BIGINT_MAX)
        else:
            self.field_class = forms.CharField
        super().__init__(*args, **kwargs)
        set_override(self, "field", INT64 if to_field == "pk" else OpenApiTypes.STR)  # the API schema's type

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        if isinstance(value, str):
            value = value.strip()
        target = self.parent.visible(self.ref_model).filter(**{self.to_field: value}).first()
        if target is None:
            return qs.none()
        if self.subtree:
            return qs.filter(paths_q([target.path], self.field_name))
        return qs.filter(**{self.field_name: target})


# Django's select template includes a template per option, and that one another for the option's attributes; a list
# page's filter bar renders several selects on every request. This one writes the options in place, the same HTML,
# and is a Jinja2 template (core/jinja.py), rendered by the filter forms' renderer.
INLINE_SELECT = "core/widgets/select.html"


class FilterRenderer(DjangoTemplates):
    """The filter forms' renderer: the inline select from the Jinja2 engine, every other template as Django's."""

    def get_template(self, template_name):
        if template_name == INLINE_SELECT:
            return engines["jinja2"].get_template(template_name)
        return super().get_template(template_name)


FILTER_RENDERER = FilterRenderer()


def _own_filter(shared: django_filters.Filter) -> django_filters.Filter:
    """A request's own copy of a filter: a new object for the FilterSet to give its parent and model, sharing its
    settings. A filter with a method keeps a FilterMethod that names the filter it belongs to; the copy gets its own,
    or it would call the method on the shared filter's parent, another request's FilterSet and user."""
    own = copy.copy(shared)
    if own.method is not None:
        own.method = own.method
    return own


class SharedFilters(dict):
    """A FilterSet's filters, copied for each request by `copy.deepcopy` (django-filter's FilterSet.__init__): a
    shallow copy of each filter is enough, as they hold nothing a request changes. The deep copy walked every
    choice of every filter, on every request of a list page."""

    def __deepcopy__(self, memo):
        return {name: _own_filter(shared) for name, shared in self.items()}


class SharedFields(dict):
    """A filter form's fields, copied for each form by `copy.deepcopy` (Django's BaseForm.__init__): each form gets
    its own field objects sharing their widget and choices, which filter forms never change (the filters' choices
    are fixed in code, and none is a model query)."""

    def __deepcopy__(self, memo):
        return {name: copy.copy(field) for name, field in self.items()}


class ScopedFilterSet(django_filters.FilterSet):
    """Base of the lists' filters: knows the requesting user, and refuses bad input rather than ignoring it."""

    def __init__(self, *args, **kwargs):
        cls = type(self)
        if not isinstance(cls.__dict__.get("base_filters"), SharedFilters):
            cls.base_filters = SharedFilters(cls.base_filters)
        super().__init__(*args, **kwargs)

    def get_form_class(self):
        # One form class per FilterSet: its fields are the filters' own, the same on every request, and a form
        # copies them as it is made. django-filter builds the fields and the class anew for each request.
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = self._build_form_class()
            type(self)._form_class = form_class
        return form_class

    def _build_form_class(self):
        form_class = super().get_form_class()
        for field in form_class.base_fields.values():
            widget = field.widget
            if (
                isinstance(widget, forms.Select)
                and widget.template_name == forms.Select.template_name
                and widget.option_template_name == forms.Select.option_template_name
            ):
                widget.template_name = INLINE_SELECT
        form_class.default_renderer = FILTER_RENDERER
        form_class.base_fields = SharedFields(form_class.base_fields)
        return form_class

    def visible(self, model):
        """`model`'s rows the requesting user may see; none without a request, so a forgotten `request=` fails
        closed."""
        return model.objects.restrict(getattr(self.request, "user", None))

    @property
    def qs(self):
        # django-filter leaves an invalid filter out, so `?org=abc` would show every row; the API's backend answers
        # 400 before it gets here, and a page answers the same (core.views.bad_request shows the message).
        if self.is_bound and not self.is_valid():
            raise BadParameter(self.error_message())
        return super().qs

    def error_message(self) -> str:
        parts = []
        for name, errors in self.errors.items():
            label = self.filters[name].label if name in self.filters else ""
            text = "".join(str(error) for error in errors)
            parts.append(f"{label}：{text}" if label else text)
        return "筛选条件有误：" + "；".join(parts)
