import time

from django.contrib.auth import logout

from accounts.policy import is_staff_member, staff_idle_seconds

LAST_SEEN_KEY = "staff_last_seen"


class StaffIdleTimeoutMiddleware:
    """Signs a staff member out after STAFF_IDLE_MINUTES without a request: a shared office
    computer left open must not show complaints to the next person."""

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
            elif last is None or now - last >= 60:  # a session write a minute at most
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
