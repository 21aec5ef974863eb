"""The staff walk-through in Chromium: a liaison signs in with a second factor, triages the
urgent complaint, links it to an incident and opens a footage request for it; a supervisor,
signed in on another browser, approves the release as second reviewer; the liaison releases."""

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from cases.models import FootageRequest
from intake.models import Complaint
from intake.services import complaint_submit
from tests.e2e.test_home import serious_violations
from tests.factories import UserFactory
from tests.intake.test_services import complaint_input

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def staff_member(username: str, role: str) -> TOTPDevice:
    user = UserFactory(username=username, role=role, password=PASSWORD)
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(page, base: str, username: str, device: TOTPDevice) -> None:
    page.goto(f"{base}/en/staff/")
    assert "/staff/sign-in/" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.staff-sign-in button[type=submit]")
    assert "/staff/verify/" in page.url
    page.fill("input[name=code]", code(device))
    page.click("form.staff-sign-in button[type=submit]")
    page.wait_for_url(f"{base}/en/staff/")


def file(key: str, *, urgent: bool) -> Complaint:
    data = complaint_input(
        urgent_flags=["child_separated"] if urgent else [],
        wants=["footage", "investigation"],
        city="Miami",
        contact=None,
        is_anonymous=True,
    )
    data.consent_contact = False
    return complaint_submit(data=data, channel="web", submission_key=key, notify_filer=False).complaint


def move(page, status: str) -> None:
    page.select_option("select[name=to]", status)
    page.click("form[action$='/move/'] button[type=submit]")
    page.wait_for_load_state()


def test_a_liaison_triages_links_and_asks_for_footage_and_a_supervisor_approves_the_release(
    watched_page, live_server, browser
):
    base = live_server.url
    liaison = staff_member("luis", roles.LIAISON)
    supervisor = staff_member("sara", roles.SUPERVISOR)
    older = file("web:older", urgent=False)
    Complaint.objects.filter(pk=older.pk).update(created_at=timezone.now() - timezone.timedelta(days=5))
    urgent = file("web:urgent", urgent=True)

    page = watched_page
    sign_in(page, base, "luis", liaison)
    # Urgent first, although it is the newer one.
    first_row = page.locator("table tbody tr").first
    assert urgent.reference in first_row.inner_text()
    assert serious_violations(page) == []
    first_row.locator(f"a:has-text('{urgent.reference}')").click()
    assert urgent.reference in page.locator("h1").inner_text()
    assert serious_violations(page) == []

    page.select_option("select[name=assignee]", "me")
    page.click("form[action$='/assign/'] button[type=submit]")
    page.select_option("select#move-status", "acknowledged")
    page.click("form[action$='/move/'] button[type=submit]")
    urgent.refresh_from_db()
    assert urgent.status == "acknowledged" and urgent.assignee_id == liaison.user_id
    assert urgent.acknowledged_at is not None

    page.click("button[name=action][value=create]")
    incident = urgent.incidents.get()
    assert incident.reference in page.content()

    page.click(f"a[href*='footage/new/?complaint={urgent.reference}']")
    page.select_option("select[name=requester_type]", "subject")
    page.fill("input[name=received_on]", timezone.localdate().isoformat())
    page.fill("input[name=requester_name]", "Requester Demo")
    page.click("form[action$='/footage/new/'] button[type=submit]")
    request = FootageRequest.objects.get(complaint=urgent)
    assert request.reference in page.locator("h1").inner_text()
    for status in ["acknowledged", "searching", "footage_located", "redaction_review"]:
        move(page, status)
    for row in range(8):
        page.locator("form[action$='/redaction/']").nth(row).locator("button[value=not_applicable]").click()
        page.wait_for_load_state()
    request.refresh_from_db()
    assert request.status == "redaction_review"
    assert not request.redaction_items.filter(state="pending").exists()
    assert serious_violations(page) == []

    other = browser.new_context()
    second = other.new_page()
    sign_in(second, base, "sara", supervisor)
    second.goto(f"{base}/en/staff/footage/{request.reference}/")
    second.click("form[action$='/approve/'] button[type=submit]")
    request.refresh_from_db()
    assert request.approved_by_id == supervisor.user_id
    other.close()

    page.reload()
    move(page, "released_full")
    request.refresh_from_db()
    assert request.status == "released_full"
    assert page.errors == []
