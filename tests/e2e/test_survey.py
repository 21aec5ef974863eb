import pytest

from surveys.models import Response
from tests.e2e.test_home import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["es", "ar"])
def test_the_survey_is_answered_in_a_browser_page_by_page_with_follow_ups_and_going_back(
    watched_page, live_server, language
):
    page = watched_page
    page.goto(f"{live_server.url}/{language}/")
    page.click(f"a.action[href='/{language}/surveys/']")
    page.click(f"a.action[href='/{language}/surveys/body-cameras/']")
    assert serious_violations(page) == []
    page.click("form button[type=submit]")

    page.check("input[name=contact][value=yes]")
    page.click("button[name=nav][value=next]")
    # The follow-up questions open on the same page, without JavaScript.
    page.check("input[name=contact_place][value=check_in]")
    page.check("input[name=camera_seen][value=no]")
    assert serious_violations(page) == []
    page.click("button[name=nav][value=next]")

    page.check("input[name=safe_reporting][value='1']")
    page.click("button[name=nav][value=back]")
    assert page.locator("input[name=contact_place][value=check_in]").is_checked()
    page.click("button[name=nav][value=next]")
    assert page.locator("input[name=safe_reporting][value='1']").is_checked()
    page.click("button[name=nav][value=next]")

    page.check("input[name=footage_worries][value=who_sees]")
    page.check("input[name=footage_worries][value=kept_long]")
    page.check("input[name=would_request][value=yes]")
    page.click("button[name=nav][value=next]")
    page.fill("textarea[name=trust_more]", "Que me digan qué pasó")
    page.click("button[name=nav][value=next]")
    page.fill("input[name=age]", "52")
    page.click("button[name=nav][value=next]")
    assert page.url.endswith("/done/")
    assert serious_violations(page) == []
    assert page.errors == []
    assert page.hosts == {"localhost"}

    response = Response.objects.get()
    answers = {a.question.name: a for a in response.answers.select_related("question")}
    assert answers["contact_place"].choice == "check_in"
    assert answers["safe_reporting"].choice == "1"
    assert answers["footage_worries"].choices == ["kept_long", "who_sees"]
    assert answers["trust_more"].text == "Que me digan qué pasó"
    assert "camera_on" not in answers and "request_barrier" not in answers
    assert response.language == language
