"""Who may do what: the one table of roles × actions that every staff view, service and template
asks. A view names its action with `staff_required(action)`; the role × URL test reads the same
table.

Organisation members (the `advocate` role) never enter `/staff/`; they see their own
organisation's submissions in `/work/`. Auditors read cases and the audit log but never a
filer's name, phone, email or words.
"""

from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.roles import ADMIN, ADVOCATE, AUDITOR, LIAISON, SUPERVISOR, user_roles

STAFF_VIEW = "staff.view"  # the queue, complaint facts, incidents, footage requests, deadlines
CASE_READ_WORDS = "case.read_words"  # narratives, notes, attachments: a filer's own words
CASE_EDIT = "case.edit"  # transitions, notes, contact attempts, referrals, incidents, merges
CASE_ASSIGN_SELF = "case.assign_self"
CASE_ASSIGN = "case.assign"  # assign to anyone, in bulk
PII_REVEAL = "pii.reveal"  # name, phone, email, address, with a reason, audited
FOOTAGE_EDIT = "footage.edit"
FOOTAGE_APPROVE = "footage.approve_release"  # the second reviewer
AUDIT_READ = "audit.read"
AUDIT_EXPORT = "audit.export"
ORG_PORTAL = "org.portal"  # an organisation's own submissions

_WORKERS = {LIAISON, SUPERVISOR, ADMIN}
POLICY: dict[str, set[str]] = {
    STAFF_VIEW: {LIAISON, SUPERVISOR, AUDITOR, ADMIN},
    CASE_READ_WORDS: _WORKERS,
    CASE_EDIT: _WORKERS,
    CASE_ASSIGN_SELF: _WORKERS,
    CASE_ASSIGN: {SUPERVISOR, ADMIN},
    PII_REVEAL: _WORKERS,
    FOOTAGE_EDIT: _WORKERS,
    FOOTAGE_APPROVE: {SUPERVISOR, ADMIN},
    AUDIT_READ: {AUDITOR, SUPERVISOR, ADMIN},
    AUDIT_EXPORT: {AUDITOR, SUPERVISOR, ADMIN},
    ORG_PORTAL: {ADVOCATE},
}


def allowed(user, action: str) -> bool:
    return bool(user_roles(user) & POLICY[action])


def is_staff_member(user) -> bool:
    return allowed(user, STAFF_VIEW)


def is_verified(request) -> bool:
    """Signed in with a second factor in this session (django-otp's middleware sets it)."""
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def staff_required(action: str = STAFF_VIEW):
    """A staff view: signed in, second factor given, and a role that the policy allows."""
    if action not in POLICY:
        raise ValueError(f"unknown action {action!r}")

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect(f"{reverse('staff:sign_in')}?{urlencode({'next': request.get_full_path()})}")
            if not is_staff_member(user):
                raise PermissionDenied
            if not is_verified(request):
                return redirect(f"{reverse('staff:verify')}?{urlencode({'next': request.get_full_path()})}")
            if not allowed(user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.staff_action = action
        return wrapper

    return decorate


def staff_idle_seconds() -> int:
    return settings.STAFF_IDLE_MINUTES * 60


def allowed_map(user) -> dict[str, bool]:
    """For templates: {"case_edit": True, …}, one key per action with "." and "-" as "_"."""
    roles = user_roles(user)
    return {action.replace(".", "_"): bool(roles & holders) for action, holders in POLICY.items()}
