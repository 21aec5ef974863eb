"""Words someone typed, set apart from the page's own words around them: a right-to-left override
in a name or a place must not turn around the sentence it sits in."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def bdi(value) -> str:
    """For a value inside a translated sentence, where the template cannot add <bdi> itself."""
    return format_html("<bdi>{}</bdi>", value)
