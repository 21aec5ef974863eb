from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

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
        if form.is_valid():
            login(request, form.get_user())
            return redirect(target or "surveys:work")
    return render(request, "accounts/sign_in.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("core:home")


# --- the staff area's sign-in: password, lockout, second factor ---


def staff_sign_in(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def staff_verify(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def staff_two_factor(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def staff_recovery_codes(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError


def staff_sign_out(request, *args, **kwargs):  # placeholder until the section is written
    raise NotImplementedError
