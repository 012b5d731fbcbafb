"""Template helpers for the import and export links on list pages."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def may_import(context) -> bool:
    """Whether the page shows 导入 links: only to users who may change something."""
    from dangjian.sheets.views import may_import as allowed

    request = context.get("request")
    return bool(request is not None and allowed(request.user))
