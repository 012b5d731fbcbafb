"""Amounts kept in fen shown in yuan on the pages, and a "十有" adjustment in words."""

from django import template

from dangjian.resources.rules import checklist_from

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """12345678 → "123,456.78"."""
    if fen is None or fen == "":
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


@register.filter
def checklist_words(value) -> str:
    """A "十有" adjustment's stored list in words: the items in force, then the retired ones."""
    checklist = checklist_from(value)
    retired = checklist.retired_labels
    words = "、".join(item.label for item in checklist.active)
    return f"{words}（停用：{'、'.join(retired)}）" if retired else words
