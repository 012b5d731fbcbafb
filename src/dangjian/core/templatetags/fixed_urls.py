"""Django's `{% url %}`, remembering the address of a route named with constants only (`{% url 'members:list' %}`).

Reversing a name costs Django about 60 µs; the top bar and a list page's own links are fourteen of them on every page,
a tenth of a list page's time. An address depends on the route's name and arguments and on what `reverse` reads besides:
the script prefix, the URL configuration and the current application, which are the key of what each tag remembers.
A tag with a variable (`{% url 'members:detail' member.pk %}`) or `as` is Django's own, unchanged.

Installed as a builtin (settings.TEMPLATES), so it stands for `url` in every template without a `{% load %}`.
"""

from __future__ import annotations

from django import template
from django.template import defaulttags
from django.urls import get_script_prefix, get_urlconf

register = template.Library()


class FixedURLNode(defaulttags.URLNode):
    def __init__(self, view_name, args, kwargs, asvar):
        super().__init__(view_name, args, kwargs, asvar)
        parts = [view_name, *args, *kwargs.values()]
        self.fixed = asvar is None and all(not part.is_var and not part.filters for part in parts)
        self.known: dict[tuple, str] = {}

    def render(self, context):
        if not self.fixed:
            return super().render(context)
        key = (get_script_prefix(), get_urlconf(), _current_app(context), context.autoescape)
        url = self.known.get(key)
        if url is None:
            url = self.known[key] = super().render(context)
        return url


def _current_app(context):
    """The current application as URLNode.render reads it."""
    try:
        return context.request.current_app
    except AttributeError:
        try:
            return context.request.resolver_match.namespace
        except AttributeError:
            return None


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return FixedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
