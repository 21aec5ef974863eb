"""The staff area (/staff/): thin views that parse, call one service or selector, and render.
Every view names its action in accounts.policy; `render_staff` adds the navigation."""

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


# --- queue (and bulk assignment) ---


def queue(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def queue_assign(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


# --- one complaint ---


def complaint(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def complaint_move(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def complaint_assign(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def complaint_reveal(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def complaint_note(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def complaint_contact_attempt(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def complaint_referral_add(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def complaint_referral_update(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def complaint_merge(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def complaint_attachment(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


# --- incidents ---


def complaint_incident(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def incidents(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def incident(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def incident_edit(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def incident_merge(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def incident_responses(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


# --- footage requests and deadlines ---


def footage_list(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def footage_new(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def footage(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def footage_move(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def footage_clock(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def footage_redaction(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def footage_approve(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def footage_letter(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def footage_reveal(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def deadlines(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


# --- audit log ---


def audit_log(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def audit_export(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError
