"""Fen shown as 元 with two decimals (`rules.yuan`), the one way pages write money."""

from django import template

from ..rules import yuan as to_yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    return to_yuan(fen)
