import re

import pytest

from intake.models import Complaint
from tests import files
from tests.e2e.test_home import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_page(page):
    page.click("button[name=nav][value=next]")


def file_a_complaint(page, base, language, photo=None, audit=True):
    """Walk the whole form as a filer would; with `audit`, axe-core checks every page on the way."""
    visited = []

    def check_step(page, visited):
        if audit:
            violations = serious_violations(page)
            assert violations == [], (page.url, violations)
        visited.append(page.url)

    page.goto(f"{base}/{language}/")
    page.click("a.action >> nth=0")
    check_step(page, visited)
    page.click("form button[type=submit]")

    check_step(page, visited)
    page.check("input[name=filer_role][value=witness]")
    page.check("input[name=urgent][value=child_separated]")
    next_page(page)

    check_step(page, visited)
    page.fill("input[name=incident_date]", "2026-09-14")
    page.check("input[name=time_of_day][value=afternoon]")
    page.fill("input[name=city]", "Houston")
    page.select_option("select[name=state]", "TX")
    page.check("input[name=place_type][value=workplace]")
    page.check("input[name=agency][value=unknown]")
    page.check("input[name=allegations][value=children_family]")
    page.check("input[name=allegations][value=body_camera]")
    next_page(page)

    check_step(page, visited)
    page.check("input[name=field_office][value=HOU]")
    page.fill("input[name=officer_count]", "6")
    page.check("input[name=officers_masked][value=all]")
    page.check("input[name=body_camera_seen][value=yes]")
    page.check("input[name=body_camera_recording][value=no]")
    next_page(page)

    check_step(page, visited)
    page.check("input[name=injuries][value=no]")
    page.check("input[name=medical_care][value=not_needed]")
    page.check("input[name=taken_into_custody][value=yes]")
    next_page(page)

    check_step(page, visited)
    page.fill("textarea[name=narrative]", "Se llevaron a un padre frente a su hija en la planta.")
    if photo:
        page.set_input_files("input[name=files]", str(photo))
    next_page(page)

    check_step(page, visited)
    page.check("input[name=contact_choice][value=anonymous]")
    page.check("input[name=consent_statistics]")
    next_page(page)

    check_step(page, visited)
    assert "Se llevaron a un padre" in page.content()
    page.click("form button[type=submit]")

    check_step(page, visited)
    receipt = page.locator(".receipt").inner_text().strip()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt)
    page.check("input[name=saved]")
    page.click("form button[type=submit]")
    return receipt, visited


def look_up(page, base, language, receipt, audit=True):
    page.goto(f"{base}/{language}/status/")
    assert not audit or serious_violations(page) == []
    page.fill("input[name=receipt]", receipt)
    page.click("form button[type=submit]")
    assert page.locator(".timeline li").count() == 1
    assert not audit or serious_violations(page) == []


def test_a_complaint_in_spanish_with_a_photo_then_looked_up(watched_page, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(files.jpeg_with_gps().read())
    page = watched_page
    receipt, visited = file_a_complaint(page, live_server.url, "es", photo=photo)
    assert len(visited) == 9  # start, six steps, review, receipt
    complaint = Complaint.objects.get()
    assert complaint.language == "es"
    assert complaint.urgent_flags == ["child_separated"]
    assert complaint.field_office.code == "HOU"
    assert complaint.attachments.get().kind == "image"
    look_up(page, live_server.url, "es", receipt)
    assert page.errors == []
    assert page.hosts <= {"localhost", "127.0.0.1"}


def test_a_complaint_in_arabic_then_looked_up(watched_page, live_server):
    page = watched_page
    receipt, _visited = file_a_complaint(page, live_server.url, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    look_up(page, live_server.url, "ar", receipt)
    assert page.errors == []
    assert page.hosts <= {"localhost", "127.0.0.1"}


@pytest.mark.parametrize("language", ["ar", "ht"])
def test_a_complaint_can_be_filed_with_javascript_off(browser, live_server, language):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    hosts = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2].split(":")[0]))
    receipt, _visited = file_a_complaint(page, live_server.url, language, audit=False)
    look_up(page, live_server.url, language, receipt, audit=False)
    assert Complaint.objects.get().narrative.startswith("Se llevaron")
    assert hosts <= {"localhost", "127.0.0.1"}
    context.close()
