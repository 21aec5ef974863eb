from django import template

from cases import selectors, workflow

register = template.Library()


@register.filter
def footage_due(request):
    """A footage request's response due date while its clock runs (prefetch its pauses)."""
    return selectors.footage_due(request) if request.status in workflow.CLOCK_RUNNING else None
