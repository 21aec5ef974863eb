"""Signing in to the staff area: password, lockout, second factor, enrolment, recovery codes,
idle timeout, and the admin behind the same second factor. Codes are real TOTP codes."""

import re
import time
from base64 import b32encode
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import LAST_SEEN_KEY
from accounts.models import User
from accounts.services import staff_login_failed, staff_recovery_codes_create
from privacy.models import AuditEvent
from tests.conftest import staff_login

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
GENERIC = "The username or password is not right, or this account cannot use the staff area."

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick(settings):
    # django-otp's own throttle asks for a pause of seconds after a wrong code; the tests that
    # send several codes in a row count the lockout, not that pause. A fast hasher, as the
    # hashing is not what is tested here.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_code_given_too_soon_after_a_wrong_one_waits_without_counting(client, liaison, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = device_for(liaison)
    right = code_for(device)
    sign_in(client, liaison)
    client.post(reverse("staff:verify"), {"code": f"{(int(right) + 1) % 1_000_000:06d}"})
    waiting = client.post(reverse("staff:verify"), {"code": right})
    assert waiting.status_code == 400 and "Wait a few seconds" in page(waiting)
    liaison.refresh_from_db()
    assert liaison.failed_logins == 1 and not is_verified_session(client)


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def sign_in(client, user, password=PASSWORD, next_=""):
    data = {"username": user.username, "password": password}
    if next_:
        data["next"] = next_
    return client.post(reverse("staff:sign_in"), data)


def page(response) -> str:
    return response.content.decode()


def alert(response) -> str:
    return re.search(r'<p class="error-message" role="alert">(.*?)</p>', page(response)).group(1)


def is_verified_session(client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session and SESSION_KEY in client.session


def test_the_whole_path_from_anonymous_to_the_queue(client, liaison):
    device = device_for(liaison)
    guarded = reverse("staff:recovery_codes")
    anonymous = client.get(guarded)
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"{reverse('staff:sign_in')}?next=%2Fen%2Fstaff%2Ftwo-factor%2Frecovery-codes%2F"
    assert client.get(anonymous["Location"]).status_code == 200

    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else ""
    password_done = sign_in(client, liaison, next_=guarded)
    assert password_done.status_code == 302
    assert password_done["Location"] == f"{reverse('staff:verify')}?next=%2Fen%2Fstaff%2Ftwo-factor%2Frecovery-codes%2F"
    after_password = client.cookies["sessionid"].value
    assert after_password != before
    assert not is_verified_session(client)
    assert client.get(guarded)["Location"].startswith(reverse("staff:verify"))  # the password alone is not enough

    assert client.get(password_done["Location"]).status_code == 200
    verified = client.post(reverse("staff:verify"), {"code": code_for(device), "next": guarded})
    assert verified.status_code == 302 and verified["Location"] == guarded
    assert is_verified_session(client) and client.cookies["sessionid"].value != after_password
    assert client.get(guarded).status_code == 200
    assert AuditEvent.objects.filter(action="staff.signed_in", actor=liaison, data={"method": "totp"}).exists()

    client.logout()
    sign_in(client, liaison)
    to_queue = client.post(reverse("staff:verify"), {"code": code_for(device, steps_ahead=1)})
    assert to_queue.status_code == 302 and to_queue["Location"] == reverse("staff:queue")


def test_a_code_is_not_accepted_twice(client, liaison):
    device = device_for(liaison)
    code = code_for(device)
    sign_in(client, liaison)
    assert client.post(reverse("staff:verify"), {"code": code}).status_code == 302
    client.logout()
    sign_in(client, liaison)
    again = client.post(reverse("staff:verify"), {"code": code})
    assert again.status_code == 400 and "That code is not right" in page(again)
    assert not is_verified_session(client)


def test_five_wrong_passwords_lock_even_the_right_one(client, liaison, settings):
    settings.STAFF_LOCKOUT_FAILURES, settings.STAFF_LOCKOUT_MINUTES = 5, 30
    for _attempt in range(4):
        refused = sign_in(client, liaison, password="wrong")
        assert refused.status_code == 400 and GENERIC in page(refused)
    liaison.refresh_from_db()
    assert liaison.failed_logins == 4 and liaison.locked_until is None
    locking = sign_in(client, liaison, password="wrong")
    assert locking.status_code == 403 and "locked" in page(locking) and "30 minutes" in page(locking)
    right_but_locked = sign_in(client, liaison)
    wrong_and_locked = sign_in(client, liaison, password="wrong")
    assert right_but_locked.status_code == wrong_and_locked.status_code == 403
    assert "Try again in 30 minutes" in page(right_but_locked)
    assert alert(right_but_locked) == alert(wrong_and_locked) == alert(locking)
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="staff.locked", actor=liaison).count() == 1
    failures = AuditEvent.objects.filter(action="staff.sign_in_failed", actor=liaison)
    assert failures.count() == 7
    for event in failures:  # codes only: never the password or an address
        assert set(event.data) == {"reason"} and "wrong" not in str(event.data)


def test_the_lock_expires(client, liaison):
    device = device_for(liaison)
    User.objects.filter(pk=liaison.pk).update(locked_until=timezone.now() + timedelta(minutes=3))
    locked = sign_in(client, liaison)
    assert locked.status_code == 403 and "Try again in 3 minutes" in page(locked)
    User.objects.filter(pk=liaison.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert sign_in(client, liaison).status_code == 302
    assert client.post(reverse("staff:verify"), {"code": code_for(device)}).status_code == 302
    liaison.refresh_from_db()
    assert liaison.failed_logins == 0 and liaison.locked_until is None


def test_a_success_resets_the_count(client, liaison):
    device = device_for(liaison)
    sign_in(client, liaison, password="wrong")
    sign_in(client, liaison, password="wrong")
    sign_in(client, liaison)
    client.post(reverse("staff:verify"), {"code": code_for(device)})
    liaison.refresh_from_db()
    assert liaison.failed_logins == 0


def test_wrong_codes_count_towards_the_lock(client, liaison, settings):
    settings.STAFF_LOCKOUT_FAILURES = 5
    device = device_for(liaison)
    right = code_for(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    sign_in(client, liaison, password="wrong")
    sign_in(client, liaison)
    for _attempt in range(3):
        refused = client.post(reverse("staff:verify"), {"code": wrong})
        assert refused.status_code == 400 and "That code is not right" in page(refused)
    liaison.refresh_from_db()
    assert liaison.failed_logins == 4
    locked = client.post(reverse("staff:verify"), {"code": wrong})
    assert locked.status_code == 302 and locked["Location"] == reverse("staff:sign_in")
    assert SESSION_KEY not in client.session  # signed out: the password has to be given again
    shown = client.get(locked["Location"])
    assert "This account is locked" in page(shown)
    assert sign_in(client, liaison).status_code == 403
    device.refresh_from_db()
    assert device.last_t == -1  # the right code was never taken


def test_a_recovery_code_works_once(client, supervisor):
    device_for(supervisor)
    codes = staff_recovery_codes_create(user=supervisor)
    assert len(codes) == 10 and len(set(codes)) == 10
    sign_in(client, supervisor)
    used = client.post(reverse("staff:verify"), {"code": codes[3].upper()[:4] + "-" + codes[3].upper()[4:]})
    assert used.status_code == 302 and is_verified_session(client)
    assert "9 are left" in page(client.get(reverse("staff:two_factor")))
    assert AuditEvent.objects.filter(action="staff.signed_in", data={"method": "recovery_code"}).exists()
    client.logout()
    sign_in(client, supervisor)
    again = client.post(reverse("staff:verify"), {"code": codes[3]})
    assert again.status_code == 400 and not is_verified_session(client)
    assert client.post(reverse("staff:verify"), {"code": codes[4]}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, auditor):
    staff_login(client, auditor)
    old = staff_recovery_codes_create(user=auditor)
    shown = client.get(reverse("staff:recovery_codes"))
    assert shown.status_code == 200 and "10 recovery codes left" in page(shown)
    assert not any(code in page(shown) for code in old)
    renewed = client.post(reverse("staff:recovery_codes"))
    assert renewed.status_code == 200
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page(renewed))
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=auditor).values_list("token", flat=True)) == set(new)
    assert AuditEvent.objects.filter(action="staff.recovery_codes_renewed", actor=auditor).count() == 1
    assert not any(code in page(client.get(reverse("staff:recovery_codes"))) for code in new)  # shown once

    client.logout()
    sign_in(client, auditor)
    assert client.post(reverse("staff:verify"), {"code": old[0]}).status_code == 400
    assert client.post(reverse("staff:verify"), {"code": new[0]}).status_code == 302


def test_an_organisation_member_cannot_pass_the_password_step(client, advocate, liaison):
    member = sign_in(client, advocate)  # the right password
    assert member.status_code == 400 and GENERIC in page(member)
    assert SESSION_KEY not in client.session
    unknown = client.post(reverse("staff:sign_in"), {"username": "nobody", "password": PASSWORD})
    wrong = sign_in(client, liaison, password="wrong")
    assert unknown.status_code == wrong.status_code == 400
    for response in (unknown, wrong):
        assert GENERIC in page(response)
    assert "advocate" not in page(member)
    advocate.refresh_from_db()
    assert advocate.failed_logins == 0
    assert AuditEvent.objects.get(action="staff.sign_in_failed", actor=advocate).data == {"reason": "not_staff"}
    assert AuditEvent.objects.get(action="staff.sign_in_failed", actor=None).data == {"reason": "unknown"}

    client.force_login(advocate)  # signed in to the organisation portal
    assert client.get(reverse("staff:verify")).status_code == 403
    assert client.get(reverse("staff:two_factor")).status_code == 403


def test_enrolment_confirms_only_with_a_right_code(client, liaison):
    assert sign_in(client, liaison).status_code == 302
    to_enrol = client.get(reverse("staff:verify"))
    assert to_enrol.status_code == 302 and to_enrol["Location"] == reverse("staff:two_factor")
    shown = client.get(reverse("staff:two_factor"))
    device = TOTPDevice.objects.get(user=liaison)
    assert not device.confirmed
    html = page(shown)
    assert "<svg" in html and "<img" not in html
    secret = b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    assert client.get(reverse("staff:two_factor")).status_code == 200
    assert TOTPDevice.objects.filter(user=liaison).count() == 1  # the same device on a second visit

    right = code_for(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = client.post(reverse("staff:two_factor"), {"device": device.pk, "code": wrong})
    assert refused.status_code == 400 and "That code is not right" in page(refused)
    device.refresh_from_db()
    assert not device.confirmed and not is_verified_session(client)

    done = client.post(reverse("staff:two_factor"), {"device": device.pk, "code": right})
    assert done.status_code == 200
    device.refresh_from_db()
    assert device.confirmed and is_verified_session(client)
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page(done))
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=liaison).values_list("token", flat=True)) == set(codes)
    assert AuditEvent.objects.get(action="staff.two_factor_enrolled", actor=liaison).data == {"replaced": False}
    assert AuditEvent.objects.get(action="staff.signed_in", actor=liaison).data == {"method": "enrolment"}
    status = client.get(reverse("staff:two_factor"))
    assert "Two-step sign-in is on" in page(status) and reverse("staff:recovery_codes") in page(status)
    assert not any(code in page(status) for code in codes)


def test_a_password_alone_cannot_set_up_another_device(client, liaison):
    existing = device_for(liaison)
    attacker_device = TOTPDevice.objects.create(user=liaison, name="attacker", confirmed=False)
    sign_in(client, liaison)
    shown = client.get(reverse("staff:two_factor"))
    assert shown.status_code == 302 and shown["Location"].startswith(reverse("staff:verify"))
    posted = client.post(reverse("staff:two_factor"), {"device": attacker_device.pk, "code": code_for(attacker_device)})
    assert posted.status_code == 302 and posted["Location"].startswith(reverse("staff:verify"))
    assert list(TOTPDevice.objects.filter(user=liaison, confirmed=True)) == [existing]
    assert not is_verified_session(client)
    assert not StaticDevice.objects.filter(user=liaison).exists()


def test_a_signed_in_member_moves_to_a_new_phone(client, supervisor):
    old = device_for(supervisor)
    staff_login(client, supervisor)
    assert "Two-step sign-in is on" in page(client.get(reverse("staff:two_factor")))
    client.get(reverse("staff:two_factor") + "?new=1")
    new = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    done = client.post(reverse("staff:two_factor"), {"device": new.pk, "code": code_for(new)})
    assert done.status_code == 200
    assert list(TOTPDevice.objects.filter(user=supervisor)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert client.session[DEVICE_ID_SESSION_KEY] == new.persistent_id
    assert AuditEvent.objects.get(action="staff.two_factor_enrolled").data == {"replaced": True}
    assert not AuditEvent.objects.filter(action="staff.signed_in").exists()
    assert client.get(reverse("staff:recovery_codes")).status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example/x", "https:/evil.example", "javascript:x"])
def test_a_next_to_another_site_is_ignored(client, liaison, target):
    device = device_for(liaison)
    password_done = sign_in(client, liaison, next_=target)
    assert password_done["Location"] == reverse("staff:verify")
    verified = client.post(f"{reverse('staff:verify')}?next={target}", {"code": code_for(device), "next": target})
    assert verified.status_code == 302 and verified["Location"] == reverse("staff:queue")
    assert client.get(f"{reverse('staff:sign_in')}?next={target}")["Location"] == reverse("staff:queue")


def test_a_signed_in_member_is_sent_on_from_the_sign_in_page(client, liaison):
    device_for(liaison)
    assert client.get(reverse("staff:verify"))["Location"] == reverse("staff:sign_in")
    sign_in(client, liaison)
    assert client.get(reverse("staff:sign_in"))["Location"] == reverse("staff:verify")
    staff_login(client, liaison)
    assert client.get(reverse("staff:verify"))["Location"] == reverse("staff:queue")


def test_an_idle_session_is_signed_out(client, liaison, settings):
    settings.STAFF_IDLE_MINUTES = 30
    staff_login(client, liaison)
    assert client.get(reverse("staff:recovery_codes")).status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(reverse("staff:recovery_codes"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:sign_in"))
    shown = client.get(response["Location"])
    assert "You were signed out after 30 minutes without activity." in page(shown)
    assert "without activity" not in page(client.get(reverse("staff:sign_in")))  # said once
    assert SESSION_KEY not in client.session


def test_sign_out_is_a_post_and_says_so(client, liaison):
    staff_login(client, liaison)
    assert client.get(reverse("staff:sign_out")).status_code == 405
    response = client.post(reverse("staff:sign_out"), follow=True)
    assert response.redirect_chain == [(reverse("staff:sign_in"), 302)]
    assert "You have signed out." in page(response)
    assert SESSION_KEY not in client.session


def test_the_admin_asks_for_the_second_factor(client, admin_user):
    device_for(admin_user)
    client.force_login(admin_user)  # a password alone
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('staff:verify')}?next=%2Fadmin%2F"
    assert response.status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 302
    staff_login(client, admin_user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/")["Location"] == "/admin/"
    client.logout()
    anonymous = client.get("/admin/login/?next=/admin/accounts/user/")
    assert anonymous["Location"] == f"{reverse('staff:sign_in')}?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_the_admin_login_does_not_loop_for_a_verified_non_admin(client, liaison):
    User.objects.filter(pk=liaison.pk).update(is_staff=False)
    staff_login(client, liaison)
    assert client.get("/admin/login/").status_code == 403


@pytest.mark.parametrize(
    "name,data",
    [
        ("staff:sign_in", {}),
        ("staff:sign_in", {"username": "x" * 5000, "password": "y" * 5000, "next": "\x00"}),
        ("staff:sign_in", {"username": ["a", "b"], "password": "\u202e"}),
        ("staff:verify", {}),
        ("staff:verify", {"code": "'; drop table users; --"}),
        ("staff:verify", {"code": "x" * 500}),
        ("staff:verify", {"code": "１２３４５６"}),
        ("staff:two_factor", {}),
        ("staff:two_factor", {"device": "abc", "code": "123456"}),
        ("staff:two_factor", {"device": "99999999999999999999", "code": "12"}),
        ("staff:two_factor", {"device": "-1", "code": "１２３４５６"}),
        ("staff:recovery_codes", {"anything": "x"}),
    ],
)
def test_empty_or_garbage_posts_never_fail(client, liaison, name, data):
    assert client.post(reverse(name), data).status_code < 500
    sign_in(client, liaison)
    assert client.post(reverse(name), data).status_code < 500
    staff_login(client, liaison)
    assert client.post(reverse(name), data).status_code < 500


def test_an_enrolment_with_a_device_of_someone_else_changes_nothing(client, liaison, supervisor):
    theirs = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=False)
    sign_in(client, liaison)
    refused = client.post(reverse("staff:two_factor"), {"device": theirs.pk, "code": code_for(theirs)})
    assert refused.status_code == 400 and "expired" in page(refused)
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()
    theirs.refresh_from_db()
    assert not theirs.confirmed and not is_verified_session(client)


def test_tries_are_limited_per_client(client, liaison, settings):
    settings.SIGN_IN_RATE_PER_CLIENT = "2/h"
    sign_in(client, liaison, password="wrong")
    sign_in(client, liaison, password="wrong")
    limited = sign_in(client, liaison)
    assert limited.status_code == 429 and SESSION_KEY not in client.session


def test_concurrent_failures_are_all_counted(liaison):
    # Two requests that loaded the user before either failure was counted.
    first, second = User.objects.get(pk=liaison.pk), User.objects.get(pk=liaison.pk)
    staff_login_failed(first, reason="password")
    staff_login_failed(second, reason="password")
    liaison.refresh_from_db()
    assert liaison.failed_logins == 2


def test_the_demo_staff_keep_their_authenticator_key(settings):
    settings.DEBUG = True
    first, second = StringIO(), StringIO()
    call_command("load_demo", stdout=first)
    call_command("load_demo", stdout=second)
    keys = [re.findall(r"TOTP key ([A-Z2-7]+)", out.getvalue()) for out in (first, second)]
    assert len(keys[0]) == 4 and keys[0] == keys[1]
    for username in ("demo-liaison", "demo-supervisor", "demo-auditor", "demo-admin"):
        user = User.objects.get(username=username)
        assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
        assert StaticToken.objects.filter(device__user=user).count() == 3
    assert not TOTPDevice.objects.filter(user__username="demo-advocate").exists()
    printed = re.findall(r"recovery codes ((?:[a-z2-7]{8} ?){3})", second.getvalue())
    assert len(printed) == 4
    assert set(StaticToken.objects.values_list("token", flat=True)) == {c for line in printed for c in line.split()}


# --- found in review ---------------------------------------------------------------------------


def test_a_password_alone_opens_nothing_outside_the_staff_area_either(client, liaison, body_cameras):
    client.force_login(liaison)  # a password, no second factor
    for url in [reverse("surveys:work"), reverse("surveys:results", args=[body_cameras.slug])]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("staff:verify")), url
    assert client.get(reverse("core:home")).status_code == 302
    assert client.get(reverse("staff:verify")).status_code == 302  # on to enrolment: no device yet
    assert client.get(reverse("staff:two_factor")).status_code == 200


def test_the_organisations_sign_in_sends_staff_on_without_checking_the_password(client, liaison, advocate):
    for password in [PASSWORD, "wrong"]:
        response = client.post(reverse("accounts:sign_in"), {"username": "luis", "password": password})
        assert response.status_code == 302 and response["Location"].startswith(reverse("staff:sign_in"))
        assert SESSION_KEY not in client.session
    liaison.refresh_from_db()
    assert liaison.failed_logins == 0
    member = client.post(reverse("accounts:sign_in"), {"username": "ana", "password": PASSWORD})
    assert member.status_code == 302 and member["Location"] == reverse("surveys:work")


def test_the_idle_timeout_needs_no_is_staff_flag(client, liaison, settings):
    type(liaison).objects.filter(pk=liaison.pk).update(is_staff=False)
    liaison.refresh_from_db()
    staff_login(client, liaison)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - (settings.STAFF_IDLE_MINUTES + 1) * 60
    session.save()
    response = client.get(reverse("staff:recovery_codes"))
    assert response.status_code == 302 and SESSION_KEY not in client.session


def test_the_secret_being_set_up_is_shown_to_one_session_only(client, liaison):
    from django.test import Client

    sign_in(client, liaison)
    client.get(reverse("staff:two_factor"))
    first = TOTPDevice.objects.get(user=liaison)
    other = Client()
    sign_in(other, liaison)
    other.get(reverse("staff:two_factor"))
    second = TOTPDevice.objects.get(user=liaison)  # the first session's device is gone
    assert second.pk != first.pk
    assert b32encode(second.bin_key).decode()[:8] not in page(client.get(reverse("staff:two_factor")))
    second = TOTPDevice.objects.get(pk=second.pk) if TOTPDevice.objects.filter(pk=second.pk).exists() else None
    assert second is None  # and a new start elsewhere wipes this one: the owner starts again
    current = TOTPDevice.objects.get(user=liaison)
    refused = other.post(reverse("staff:two_factor"), {"device": current.pk, "code": code_for(current)})
    assert refused.status_code == 400 and not is_verified_session(other)
    client.get(reverse("staff:two_factor"))  # whoever starts last sets up; the other starts again
    current = TOTPDevice.objects.get(user=liaison)
    done = client.post(reverse("staff:two_factor"), {"device": current.pk, "code": code_for(current)})
    assert done.status_code == 200 and is_verified_session(client)


def test_recovery_codes_alone_still_ask_for_a_code_before_any_new_device(client, supervisor):
    codes = staff_recovery_codes_create(user=supervisor)
    sign_in(client, supervisor)
    assert client.get(reverse("staff:two_factor"))["Location"].startswith(reverse("staff:verify"))
    assert client.get(reverse("staff:verify")).status_code == 200
    done = client.post(reverse("staff:verify"), {"code": codes[0]})
    assert done.status_code == 302 and is_verified_session(client)
