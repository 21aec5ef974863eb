"""The public numbers in a real browser: no script error and no CSP violation (inline styles
would be one), nothing from another host, accessible, and a phone's width in Arabic."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.transparency.test_services import complaint
from transparency import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published():
    for office, channel in (
        [("HOU", "web")] * 40 + [("HOU", "sms")] * 25 + [("LOS", "web")] * 30 + [("LOS", "voice")] * 3
    ):
        complaint(office=office, channel=channel, body_camera_seen="yes", body_camera_recording="no")
    return services.release_build()


@pytest.mark.parametrize("language,direction", [("es", "ltr"), ("ar", "rtl")])
def test_the_statistics_page_renders_its_charts_offline_and_accessibly(
    watched_page, live_server, published, language, direction
):
    page = watched_page
    page.goto(f"{live_server.url}/{language}/stats/")
    assert page.locator("html").get_attribute("dir") == direction
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 3
    assert charts.first.is_visible()
    assert page.errors == []
    assert page.hosts == {"localhost"} or page.hosts == {"127.0.0.1"}
    violations = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in {"serious", "critical"}]
    assert violations == []


def test_the_statistics_page_fits_a_320_pixel_screen_and_filters_without_script(watched_page, live_server, published):
    page = watched_page
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/ar/stats/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.select_option("select[name=office]", "HOU")
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url("**office=HOU**")
    assert page.errors == []
