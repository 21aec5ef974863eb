import gzip
import re
import unicodedata

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

LANGUAGES = [code for code, _ in settings.LANGUAGES]
PAGES = ["", "privacy/"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_answers_in_every_language(client, language, page):
    response = client.get(f"/{language}/{page}")
    assert response.status_code == 200
    html = response.content.decode()
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_pages_are_translated_not_english(client, language):
    html = client.get(f"/{language}/").content.decode()
    assert "Tell us what happened" not in html
    assert "Leave this site now" not in html


def test_haitian_creole_is_served_from_the_projects_catalog(client):
    html = client.get("/ht/").content.decode()
    assert 'lang="ht"' in html
    assert "Kreyòl ayisyen" in html


def test_the_switcher_keeps_the_current_page(client):
    html = client.get("/es/privacy/").content.decode()
    for language in LANGUAGES:
        assert f'href="/{language}/privacy/" lang="{language}"' in html
    assert re.search(r'href="/es/privacy/"[^>]*aria-current="true"', html)


def test_the_switcher_names_each_language_in_itself(client):
    html = unicodedata.normalize("NFC", client.get("/en/").content.decode())
    names = [
        "Español",
        "Português",
        "Kreyòl ayisyen",
        "Français",
        "简体中文",
        "Tiếng Việt",
        "العربيّة",
        "Русский",
        "ਪੰਜਾਬੀ",
    ]
    for name in names:
        assert unicodedata.normalize("NFC", name) in html


@pytest.mark.parametrize("path", ["/xx/", "/xx/privacy/", "/es/no-such-page/", "/zz-yy/"])
def test_an_unknown_language_or_page_is_a_404_not_a_500(client, path):
    response = client.get(path)
    assert response.status_code == 404


def test_the_404_page_speaks_the_language_of_its_prefix(client):
    html = client.get("/es/no-such-page/").content.decode()
    assert 'lang="es"' in html
    assert "Page not found" not in html


def test_without_a_choice_accept_language_decides(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == "/pt/"


def test_without_any_hint_english_is_the_default(client):
    response = client.get("/")
    assert response["Location"] == "/en/"


def test_a_chosen_language_is_remembered_over_accept_language(client):
    response = client.get("/vi/")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "vi"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    assert response["Location"] == "/vi/"


def test_the_prefix_wins_over_the_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    html = client.get("/ar/").content.decode()
    assert 'lang="ar"' in html


def test_home_page_makes_no_database_query(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/es/").status_code == 200


def test_home_page_has_the_quick_exit_skip_link_and_three_actions(client, settings):
    settings.VOCES_SMS_NUMBER = "+1 555 010 0100"
    settings.VOCES_VOICE_NUMBER = "+1 555 010 0101"
    html = client.get("/en/").content.decode()
    assert 'href="#main"' in html
    assert f'href="{settings.QUICK_EXIT_URL}" rel="noreferrer" data-quick-exit' in html
    for action in ["File a complaint", "Check on a complaint", "Answer a survey"]:
        assert action in html
    assert 'href="sms:+1 555 010 0100"' in html
    assert 'href="tel:+1 555 010 0101"' in html


def test_the_privacy_page_states_the_configured_retention(client, settings):
    settings.RETENTION_CONTACT_DAYS = 90
    settings.DRAFT_TTL_HOURS = 24
    html = client.get("/en/privacy/").content.decode()
    assert "deleted 90 days after your complaint is closed" in html
    assert "deleted after 24 hours" in html


def test_pages_send_a_strict_content_security_policy_and_no_referrer(client):
    response = client.get("/es/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert response["Referrer-Policy"] == "same-origin"


def test_home_page_weighs_under_30_kb_compressed(client):
    response = client.get("/ar/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    html_bytes = len(response.content)
    html = gzip.decompress(response.content).decode()
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', html)
    assert sorted(assets) == ["css/voces.css", "favicon.svg", "js/voces.js"]
    asset_bytes = sum(len(gzip.compress(open(finders.find(path), "rb").read())) for path in assets)
    assert html_bytes + asset_bytes < 30 * 1024


def test_no_page_loads_anything_from_another_host(client):
    for page in ["/en/", "/ar/privacy/"]:
        html = client.get(page).content.decode()
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert url.startswith(("/", "#", "sms:", "tel:")) or url == settings.QUICK_EXIT_URL
