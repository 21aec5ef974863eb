"""A survey's SMS keyword may not be a word people already send for something else: an opt-out
or opt-in word, an answer (yes, no, skip), a command (help, back, restart, exit, status), a
language's name, or a number. Refused in the admin and in survey_define; an XLSForm with such a
keyword is imported without it, with a warning."""

import pytest
from django.core.exceptions import ValidationError

from surveys.conversation import keyword_problem, starts
from surveys.models import Survey
from surveys.services import survey_define, survey_import_xlsform
from tests.conftest import staff_login
from tests.surveys.test_xlsform import SETTINGS, i18n, staff, workbook  # noqa: F401  (staff: a fixture)

RESERVED = [
    "END", "CANCELAR", "STOP", "Stop", "START", "YES", "UNSTOP", "SI", "SÍ", "NO", "NAO", "OUI",
    "AYUDA", "HELP", "INFO", "BACK", "ATRAS", "RESTART", "REINICIAR", "EXIT", "SALIR", "SKIP", "SALTAR",
    "STATUS", "ESTADO", "STATUT", "ES", "EN", "ESPANOL", "ENGLISH", "KREYOL", "123", "0", "٣",
]  # fmt: skip


@pytest.mark.parametrize("word", RESERVED)
def test_words_people_send_for_something_else_cannot_be_keywords(word):
    assert keyword_problem(word)


@pytest.mark.parametrize("word", ["CAMERAS", "CAMARAS", "HAND1", "VOCES2026", ""])
def test_other_words_can(word):
    assert keyword_problem(word) is None


@pytest.mark.django_db
def test_a_survey_with_such_a_keyword_does_not_pass_its_checks():
    survey = Survey(slug="reserved-word", title={"en": "Reserved"}, keyword="SI")
    with pytest.raises(ValidationError) as refused:
        survey.full_clean()
    assert "keyword" in refused.value.message_dict
    Survey(slug="fine-word", title={"en": "Fine"}, keyword="CAMARAS").full_clean()


@pytest.mark.django_db
def test_survey_define_refuses_it():
    definition = {"title": {"en": "Reserved"}, "keyword": "cancelar", "questions": []}
    with pytest.raises(ValidationError):
        survey_define(slug="reserved-define", definition=definition)
    assert not Survey.objects.filter(slug="reserved-define").exists()


@pytest.mark.django_db
def test_the_admin_refuses_it_with_a_clear_message(client, staff):  # noqa: F811
    staff_login(client, staff)
    data = {
        "slug": "by-hand-si", **i18n("title", {"en": "By hand"}), **i18n("description", {}),
        **i18n("document", {}), "keyword": "si", "status": "draft", "audience": "public",
        "opens_at_0": "", "opens_at_1": "", "closes_at_0": "", "closes_at_1": "",
    }  # fmt: skip
    refused = client.post("/admin/surveys/survey/add/", data)
    assert refused.status_code == 200
    assert str(keyword_problem("SI")) in refused.content.decode().replace("&#x27;", "'")
    assert not Survey.objects.filter(slug="by-hand-si").exists()
    assert client.post("/admin/surveys/survey/add/", {**data, "keyword": "hand2"}).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("keyword", ["END", "ayuda", "si"])
def test_an_xlsform_with_such_a_keyword_is_imported_without_it_and_a_warning(staff, keyword):  # noqa: F811
    settings = [[*SETTINGS[0], "keyword"], [*SETTINGS[1], keyword]]
    survey, warnings = survey_import_xlsform(data=workbook(settings=settings), created_by=staff)
    assert survey.keyword == ""
    reserved = [warning for warning in warnings if warning.code == "keyword_reserved"]
    assert len(reserved) == 1 and keyword.upper() in str(reserved[0])
    assert "keyword_taken" not in [warning.code for warning in warnings]


@pytest.mark.django_db
def test_a_reserved_word_stored_before_these_checks_starts_no_survey():
    survey = Survey.objects.get(slug="body-cameras")
    assert starts("CAMERAS")
    Survey.objects.filter(pk=survey.pk).update(keyword="SI")  # as saved before the check existed
    assert not starts("si") and not starts("SI")
