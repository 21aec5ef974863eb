import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]


@pytest.mark.parametrize("language,direction", [("es", "ltr"), ("ar", "rtl")])
def test_the_home_page_renders_offline_and_accessibly(watched_page, live_server, language, direction):
    page = watched_page
    page.goto(f"{live_server.url}/{language}/")
    assert page.locator("html").get_attribute("dir") == direction
    assert page.locator("h1").inner_text() != "Tell us what happened"
    assert page.locator(".quick-exit").is_visible()
    assert page.errors == []
    assert page.hosts == {"localhost"} or page.hosts == {"127.0.0.1"}
    assert serious_violations(page) == []


def test_the_layout_fits_a_320_pixel_screen(watched_page, live_server):
    page = watched_page
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/ar/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_the_arabic_page_mirrors_the_header(watched_page, live_server):
    page = watched_page
    page.set_viewport_size({"width": 800, "height": 600})
    page.goto(f"{live_server.url}/ar/")
    brand = page.locator(".brand").bounding_box()
    exit_button = page.locator(".quick-exit").bounding_box()
    assert brand["x"] > exit_button["x"]


def test_the_quick_exit_replaces_the_page_in_history(watched_page, live_server):
    page = watched_page
    page.goto(f"{live_server.url}/es/")
    page.goto(f"{live_server.url}/es/privacy/")
    page.route("https://www.google.com/**", lambda route: route.fulfill(body="<title>Weather</title>"))
    page.locator(".quick-exit").click()
    page.wait_for_url("https://www.google.com/**")
    page.go_back()
    assert page.url == f"{live_server.url}/es/"


def test_the_skip_link_moves_focus_to_the_content(watched_page, live_server):
    page = watched_page
    page.goto(f"{live_server.url}/es/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
