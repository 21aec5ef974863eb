"""The frame of every staff page: the navigation, filtered by the policy, and the policy's
answers for templates (`policy.case_edit`, …). The pages themselves are cases/views.py's."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import policy

NAV = [
    ("staff:queue", _("Queue"), policy.STAFF_VIEW),
    ("staff:incidents", _("Incidents"), policy.STAFF_VIEW),
    ("staff:footage_list", _("Footage requests"), policy.STAFF_VIEW),
    ("staff:deadlines", _("Deadlines"), policy.STAFF_VIEW),
    ("staff:audit_log", _("Audit log"), policy.AUDIT_READ),
    ("accounts:tokens", _("API tokens"), policy.STAFF_VIEW),
]


def staff_nav(request: HttpRequest, current: str) -> list[dict]:
    return [
        {"url": reverse(name), "label": label, "current": name == current}
        for name, label, action in NAV
        if policy.allowed(request.user, action)
    ]


def render_staff(
    request: HttpRequest, template: str, context: dict, *, current: str = "", status: int = 200
) -> HttpResponse:
    context = {**context, "staff_nav": staff_nav(request, current), "policy": policy.allowed_map(request.user)}
    return render(request, template, context, status=status)
