import time

from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from accounts.policy import is_staff_member, is_verified, staff_idle_seconds
from core.api import is_api_request

LAST_SEEN_KEY = "staff_last_seen"
# What a staff member who has given only a password may open: the way to the second factor.
BEFORE_SECOND_FACTOR = {
    "staff:sign_in",
    "staff:verify",
    "staff:two_factor",
    "staff:sign_out",
    "accounts:sign_in",
    "accounts:sign_out",
    "healthz",
}


class StaffSessionMiddleware:
    """For staff roles, wherever they are on the site: signed out after STAFF_IDLE_MINUTES without
    a request (a shared office computer left open must not show complaints to the next person),
    and nothing but the sign-in pages until the second factor is given (the survey results and
    exports of /work/ hold free text too). The API is never sent to the second factor's page: there
    such a session is no sign-in at all (accounts.authentication), and the answer is a JSON 401."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and is_staff_member(user):
            now = int(time.time())
            last = request.session.get(LAST_SEEN_KEY)
            if last is not None and now - last > staff_idle_seconds():
                logout(request)
                request.session["staff_timed_out"] = True
            else:
                if last is None or now - last >= 60:  # a session write a minute at most
                    request.session[LAST_SEEN_KEY] = now
                if not is_verified(request) and not is_api_request(request) and self._needs_second_factor(request):
                    target = reverse("staff:verify")
                    return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _needs_second_factor(request) -> bool:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name not in BEFORE_SECOND_FACTOR
