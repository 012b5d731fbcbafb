"""Amounts kept in fen shown in yuan on the pages."""

from django import template

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
