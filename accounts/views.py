import secrets
from base64 import b32encode
from functools import wraps

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import policy
from accounts.forms import ApiTokenForm, StaffCodeForm, StaffEnrolForm, StaffSignInForm
from accounts.models import ApiToken, User
from accounts.policy import is_staff_member, is_verified, staff_required
from accounts.services import (
    TOKEN_PREFIX,
    api_token_create,
    api_token_revoke,
    staff_authenticate,
    staff_is_locked,
    staff_locked_message,
    staff_recovery_codes_left,
    staff_recovery_codes_renew,
    staff_two_factor_confirm,
    staff_two_factor_device,
    staff_verify_code,
)
from accounts.staff import render_staff
from core.errors import ApplicationError
from privacy.ratelimit import Limit, over_limit


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Sign-in for organisations' members and staff; tries are limited per client."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    form = AuthenticationForm(request, data=request.POST or None)
    context = {"form": form, "next": target}
    if request.method == "POST":
        if over_limit(request, Limit("sign-in", settings.SIGN_IN_RATE_PER_CLIENT)):
            context["error"] = _("Too many tries. Please wait one hour and try again.")
            return render(request, "accounts/sign_in.html", context, status=429)
        if _is_staff_username(request.POST.get("username", "")):
            # Staff sign in with a second factor, and their wrong passwords count toward the lockout:
            # sent on before any password is checked here, so this page is no way around either.
            messages.info(request, _("Staff sign in on the staff page."))
            return redirect(_with_next("staff:sign_in", target))
        if form.is_valid():
            login(request, form.get_user())
            return redirect(target or "surveys:work")
    return render(request, "accounts/sign_in.html", context)


def _is_staff_username(username: str) -> bool:
    user = User.objects.filter(username=username.strip()).first() if username.strip() else None
    return user is not None and is_staff_member(user)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("core:home")


# --- the staff area's sign-in: password, lockout, second factor ---


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return target


def _with_next(name: str, target: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': target})}" if target else reverse(name)


def _locked_out(request: HttpRequest, message: str, target: str) -> HttpResponse:
    logout(request)
    messages.error(request, message)
    return redirect(_with_next("staff:sign_in", target))


def _verified(request: HttpRequest, device) -> None:
    request.session.cycle_key()  # a new session id for the more powerful session
    django_otp.login(request, device)


def _render_signed_in(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render_staff(request, template, context, status=status)


def _too_many_message() -> str:
    return _("Too many tries. Please wait one hour and try again.")


def _too_many_tries(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    context["error"] = _too_many_message()
    return render(request, template, context, status=429)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def staff_sign_in(request: HttpRequest) -> HttpResponse:
    """The password step; the second factor follows at staff:verify."""
    target = _safe_next(request)
    user = request.user
    if request.method == "GET" and user.is_authenticated and is_staff_member(user):
        if is_verified(request):
            return redirect(target or "staff:queue")
        return redirect(_with_next("staff:verify", target))
    timed_out = request.session.pop("staff_timed_out", False)
    form = StaffSignInForm(request.POST or None)
    context = {"form": form, "next": target, "timed_out_minutes": settings.STAFF_IDLE_MINUTES if timed_out else None}
    template = "accounts/staff_sign_in.html"
    if request.method == "GET":
        return render(request, template, context)
    if over_limit(request, Limit("staff-sign-in", settings.SIGN_IN_RATE_PER_CLIENT)):
        return _too_many_tries(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        user = staff_authenticate(
            request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
    except ApplicationError as error:
        context["error"] = error.message
        return render(request, template, context, status=403 if error.code == "locked" else 400)
    login(request, user)
    return redirect(_with_next("staff:verify", target))


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def staff_verify(request: HttpRequest) -> HttpResponse:
    """The second factor: a code from the authenticator app or a recovery code."""
    target = _safe_next(request)
    user = request.user
    if not user.is_authenticated:
        return redirect(_with_next("staff:sign_in", target))
    if not is_staff_member(user):
        raise PermissionDenied
    if is_verified(request):
        return redirect(target or "staff:queue")
    if staff_is_locked(user):
        return _locked_out(request, staff_locked_message(user), target)
    if not django_otp.user_has_device(user, confirmed=True):
        return redirect(_with_next("staff:two_factor", target))
    form = StaffCodeForm(request.POST or None)
    context = {"form": form, "next": target}
    template = "accounts/staff_verify.html"
    if request.method == "GET":
        return render(request, template, context)
    if over_limit(request, Limit("staff-verify", settings.SIGN_IN_RATE_PER_CLIENT)):
        return _too_many_tries(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        device = staff_verify_code(user=user, code=form.cleaned_data["code"])
    except ApplicationError as error:
        if error.code == "locked":
            return _locked_out(request, error.message, target)
        context["error"] = error.message
        return render(request, template, context, status=400)
    _verified(request, device)
    if isinstance(device, StaticDevice):
        left = staff_recovery_codes_left(user)
        message = ngettext(
            "You used a recovery code. %(left)d is left.", "You used a recovery code. %(left)d are left.", left
        )
        messages.warning(request, message % {"left": left})
    return redirect(target or "staff:queue")


ENROL_DEVICE_KEY = "staff_enrol_device"


def _enrolment_device(request: HttpRequest, user):
    """The authenticator this session is setting up; its secret is shown to this session only."""
    device = staff_two_factor_device(user=user, device_id=request.session.get(ENROL_DEVICE_KEY))
    request.session[ENROL_DEVICE_KEY] = device.pk
    return device


def _enrolment_context(device, form, target: str) -> dict:
    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return {
        "form": form,
        "next": target,
        "qr_svg": mark_safe(qr.svg_inline(scale=5, border=4, dark="#000", light="#fff", title=_("QR code"))),  # noqa: S308
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
    }


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def staff_two_factor(request: HttpRequest) -> HttpResponse:
    """Setting up the authenticator app: the first time, or to replace it once signed in with it."""
    target = _safe_next(request)
    user = request.user
    if not user.is_authenticated:
        return redirect(_with_next("staff:sign_in", target))
    if not is_staff_member(user):
        raise PermissionDenied
    verified = is_verified(request)
    if not verified and django_otp.user_has_device(user, confirmed=True):
        # Only the second factor already set up (an app or recovery codes) may add another: a
        # password alone must not.
        return redirect(_with_next("staff:verify", target))
    if staff_is_locked(user):
        return _locked_out(request, staff_locked_message(user), target)
    template = "accounts/staff_two_factor.html"
    show = _render_signed_in if verified else render
    if verified and request.method == "GET" and "new" not in request.GET:
        return show(request, template, {"enabled": True, "left": staff_recovery_codes_left(user)})
    if request.method == "GET":
        device = _enrolment_device(request, user)
        form = StaffEnrolForm(initial={"device": device.pk})
        return show(request, template, _enrolment_context(device, form, target))
    if over_limit(request, Limit("staff-verify", settings.SIGN_IN_RATE_PER_CLIENT)):
        device = _enrolment_device(request, user)
        context = {**_enrolment_context(device, StaffEnrolForm(), target), "error": _too_many_message()}
        return show(request, template, context, status=429)
    form = StaffEnrolForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(_("Enter the 6-digit code your authenticator app shows now."), code="invalid")
        if form.cleaned_data["device"] != request.session.get(ENROL_DEVICE_KEY):
            raise ApplicationError(_("This setup has expired. Start again."), code="stale")
        device, codes = staff_two_factor_confirm(
            user=user, device_id=form.cleaned_data["device"], code=form.cleaned_data["code"], signing_in=not verified
        )
    except ApplicationError as error:
        if error.code == "locked":
            return _locked_out(request, error.message, target)
        device = _enrolment_device(request, user)
        form = StaffEnrolForm(initial={"device": device.pk})
        context = {**_enrolment_context(device, form, target), "error": error.message}
        return show(request, template, context, status=400)
    _verified(request, device)
    return _render_signed_in(
        request, "accounts/staff_recovery_codes.html", {"codes": codes, "enrolled": True, "next": target}
    )


@staff_required()
@never_cache
@require_http_methods(["GET", "POST"])
def staff_recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many recovery codes are left; a POST replaces them all and shows the new ones once."""
    template = "accounts/staff_recovery_codes.html"
    if request.method == "POST":
        return _render_signed_in(request, template, {"codes": staff_recovery_codes_renew(user=request.user)})
    return _render_signed_in(request, template, {"left": staff_recovery_codes_left(request.user)})


@require_POST
def staff_sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("staff:sign_in")


# --- personal API tokens ---

FORM_ONCE_KEY = "api_token_form"


def token_owner_required(view):
    """Signed in (else the sign-in page) as an organisation's member, or as staff with the second
    factor given (the middleware sends them to it first; checked here too); anyone else 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if is_staff_member(user):
            if not is_verified(request):
                return redirect(_with_next("staff:verify", request.get_full_path()))
        elif not policy.allowed(user, policy.ORG_PORTAL):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _render_tokens(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """In the staff area's frame for staff, in the site's for organisations' members."""
    if is_staff_member(request.user):
        context = {**context, "base_template": "cases/base.html", "is_staff": True}
        return render_staff(request, template, context, current="accounts:tokens", status=status)
    return render(request, template, {**context, "base_template": "base.html", "is_staff": False}, status=status)


def _tokens_page(request: HttpRequest, form: ApiTokenForm, status: int = 200) -> HttpResponse:
    # A new form each time the page is shown: a form sent twice (a reload of the page that shows
    # the new token) makes no second token.
    request.session[FORM_ONCE_KEY] = once = secrets.token_urlsafe(16)
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id")
    context = {"form": form, "once": once, "tokens": tokens, "now": timezone.now(), "prefix": TOKEN_PREFIX}
    return _render_tokens(request, "accounts/tokens.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@token_owner_required
def tokens(request: HttpRequest) -> HttpResponse:
    """One's own tokens, and a new one: its whole text is in this one answer and nowhere else
    (not in the session, not in a cache), so it is rendered here rather than after a redirect."""
    if request.method == "GET":
        return _tokens_page(request, ApiTokenForm())
    once = request.session.pop(FORM_ONCE_KEY, None)
    if not once or not constant_time_compare(once, request.POST.get("once", "")):
        messages.info(request, _("This form was already sent. A token's secret is shown only once."))
        return redirect("accounts:tokens")
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, form, status=400)
    try:
        token, raw = api_token_create(user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"])
    except ApplicationError as error:
        form.add_error(None, error.message)
        return _tokens_page(request, form, status=400)
    return _render_tokens(request, "accounts/token_created.html", {"token": token, "raw": raw})


@never_cache
@require_http_methods(["GET", "POST"])
@token_owner_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Asks first; someone else's token is "not found"."""
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    if request.method == "POST":
        api_token_revoke(token=token, actor=request.user)
        messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
        return redirect("accounts:tokens")
    return _render_tokens(request, "accounts/token_revoke.html", {"token": token, "prefix": TOKEN_PREFIX})
