"""XLSForm in and out: a survey written in a spreadsheet becomes a draft survey (or nothing, with
every problem named by sheet, row and column), and a version written out reads back the same."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from accounts import roles
from surveys.models import Question, Response, Survey, SurveyVersion
from surveys.services import (
    ResponseInvalid,
    XLSFormInvalid,
    response_submit,
    survey_draft_version,
    survey_import_xlsform,
    survey_version_import_xlsform,
    survey_version_publish,
)
from surveys.xlsform import MAX_UNCOMPRESSED_BYTES, read_xlsform, version_definition, write_xlsform
from tests.conftest import sign_in, staff_login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LANGS = ["label::English (en)", "label::Español (es)", "label::العربية (ar)"]
SURVEY_HEADER = ["type", "name", *LANGS, "hint::English (en)", "required", "relevant", "constraint", "appearance",
                 "parameters"]  # fmt: skip
SURVEY_ROWS = [
    ["start", "start"],
    ["begin group", "meeting", "Meeting agents", "Encuentro con agentes", "لقاء العملاء"],
    ["select_one yn", "contact", "Did you meet agents?", "¿Vio agentes?", "هل قابلت عملاء؟", "This year", "yes"],
    ["select_one place", "contact_place", "Where?", "¿Dónde?", "أين؟", "", "", "${contact} = 'yes'"],
    ["select_multiple worry", "worries", "What worries you?", "¿Qué le preocupa?", "ما الذي يقلقك؟"],
    ["end group", "meeting"],
    ["begin group", "you", "About you", "Sobre usted", "عنك"],
    ["integer", "age", "How old are you?", "¿Cuántos años tiene?", "كم عمرك؟", "", "", "", ". >= 16 and . <= 110"],
    ["text", "story", "Tell us more", "Cuéntenos", "أخبرنا", "", "", "selected(${worries}, 'children')", "",
     "multiline"],
    ["range", "safe", "How safe is it?", "¿Qué tan seguro?", "ما مدى الأمان؟", "", "", "", "", "",
     "start=1 end=5 step=1"],
    ["date", "when", "When?", "¿Cuándo?", "متى؟"],
    ["end group", "you"],
    ["note", "thanks", "Thank you", "Gracias", "شكرا"],
]  # fmt: skip
CHOICE_ROWS = [
    ["yn", "yes", "Yes", "Sí", "نعم"],
    ["yn", "no", "No", "No", "لا"],
    ["place", "home", "At home", "En casa", "في المنزل"],
    ["place", "street", "On the street", "En la calle", "في الشارع"],
    ["worry", "children", "My children", "Mis hijos", "أطفالي"],
    ["worry", "who_sees", "Who sees it", "Quién lo ve", "من يراه"],
]
SETTINGS = [
    ["form_title", "form_title::Español (es)", "form_title::Arabic (ar)", "form_id", "default_language"],
    ["Agents and cameras", "Agentes y cámaras", "العملاء والكاميرات", "agents_cameras", "English (en)"],
]


def workbook(
    survey=None, choices=None, settings=None, *, sheets=("survey", "choices", "settings"), header=SURVEY_HEADER
) -> bytes:
    """An XLSForm written by hand, as a person would in a spreadsheet."""
    book = Workbook()
    book.remove(book.active)
    content = {
        "survey": [header, *(SURVEY_ROWS if survey is None else survey)],
        "choices": [["list_name", "name", *LANGS], *(CHOICE_ROWS if choices is None else choices)],
        "settings": SETTINGS if settings is None else settings,
    }
    for name in sheets:
        sheet = book.create_sheet(name)
        for row in content[name]:
            sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def read(data: bytes):
    return read_xlsform(io.BytesIO(data))


def codes(problems, level="error"):
    return [(p.sheet, p.row, p.column, p.code) for p in problems if p.level == level]


def counts():
    return Survey.objects.count(), SurveyVersion.objects.count(), Question.objects.count()


@pytest.fixture
def staff(db):
    return UserFactory(username="sofia", role=roles.LIAISON)


def test_a_hand_written_xlsform_reads_into_a_definition():
    definition, problems = read(workbook())
    assert codes(problems) == []
    assert codes(problems, "warning") == [("survey", 2, "type", "metadata")]
    assert definition["slug"] == "agents_cameras"
    assert definition["title"] == {"en": "Agents and cameras", "es": "Agentes y cámaras", "ar": "العملاء والكاميرات"}
    questions = {q["name"]: q for q in definition["questions"]}
    assert [q["name"] for q in definition["questions"]] == [
        "contact", "contact_place", "worries", "age", "story", "safe", "when", "thanks",
    ]  # fmt: skip
    assert {name: q["kind"] for name, q in questions.items()} == {
        "contact": "yes_no", "contact_place": "single", "worries": "multiple", "age": "number",
        "story": "long_text", "safe": "scale", "when": "date", "thanks": "note",
    }  # fmt: skip
    assert questions["contact"]["label"]["ar"] == "هل قابلت عملاء؟"
    assert questions["contact"]["hint"] == {"en": "This year"}
    assert questions["contact"]["required"] and not questions["worries"]["required"]
    assert questions["contact"]["choices"] == []  # yes and no need no list of their own
    assert questions["contact_place"]["show_if"] == {"question": "contact", "value": "yes"}
    assert questions["story"]["show_if"] == {"question": "worries", "value": "children"}
    assert questions["worries"]["choices"] == [
        ("children", {"en": "My children", "es": "Mis hijos", "ar": "أطفالي"}),
        ("who_sees", {"en": "Who sees it", "es": "Quién lo ve", "ar": "من يراه"}),
    ]
    assert (questions["age"]["min_value"], questions["age"]["max_value"]) == (Decimal(16), Decimal(110))
    assert {name: q["section"] for name, q in questions.items()} == {
        "contact": 1, "contact_place": 1, "worries": 1, "age": 2, "story": 2, "safe": 2, "when": 2, "thanks": 3,
    }  # fmt: skip
    assert definition["sections"] == {
        "1": {"en": "Meeting agents", "es": "Encuentro con agentes", "ar": "لقاء العملاء"},
        "2": {"en": "About you", "es": "Sobre usted", "ar": "عنك"},
    }


def test_an_imported_form_is_a_draft_that_once_published_is_answered_by_its_rules(staff):
    survey, warnings = survey_import_xlsform(data=workbook(), created_by=staff)
    assert [w.code for w in warnings] == ["metadata"]
    assert survey.slug == "agents_cameras" and survey.status == Survey.Status.DRAFT and survey.created_by == staff
    draft = survey.versions.get()
    assert not draft.is_published and survey.current_version is None
    survey_version_publish(version=draft)

    answers = {"contact": "no", "contact_place": "home", "worries": ["who_sees"], "story": "Hidden", "age": "40",
               "safe": "4", "when": "2026-05-01"}  # fmt: skip
    response, _created = response_submit(
        version=draft, answers=answers, channel="web", language="ar", submission_key="web:x1"
    )
    kept = set(response.answers.values_list("question__name", flat=True))
    assert kept == {"contact", "worries", "age", "safe", "when"}  # both show-if questions were hidden
    shown = {**answers, "contact": "yes", "worries": ["children"], "story": "Mis hijos"}
    response, _created = response_submit(
        version=draft, answers=shown, channel="web", language="es", submission_key="web:x2"
    )
    kept = {a.question.name: a for a in response.answers.select_related("question")}
    assert kept["contact_place"].choice == "home" and kept["story"].text == "Mis hijos"
    with pytest.raises(ResponseInvalid):  # the bounds came from the constraint column
        response_submit(version=draft, answers={**answers, "age": "12"}, channel="web", language="en",
                        submission_key="web:x3")  # fmt: skip
    assert Response.objects.count() == 2


def test_an_imported_form_exports_and_reads_back_the_same(staff):
    survey, _warnings = survey_import_xlsform(data=workbook(), created_by=staff)
    version = survey.versions.get()
    original, _problems = read(workbook())
    exported, problems = read(write_xlsform(version))
    assert codes(problems) == [] and codes(problems, "warning") == []
    assert exported == version_definition(version)
    assert {k: v for k, v in exported.items() if k != "keyword"} == {
        k: v for k, v in original.items() if k != "keyword"
    }
    again, _warnings = survey_import_xlsform(data=write_xlsform(version), created_by=staff, slug="agents-again")
    copied = version_definition(again.versions.get())
    assert {**copied, "slug": "agents_cameras"} == exported


def test_the_seeded_survey_exports_and_reads_back_the_same(staff):
    seeded = Survey.objects.get(slug="body-cameras")
    version = seeded.current_version
    data = write_xlsform(version)
    definition, problems = read(data)
    assert problems == []
    assert definition == version_definition(version)
    kinds = {q["name"]: q["kind"] for q in definition["questions"]}
    assert kinds["contact"] == "yes_no" and kinds["safe_reporting"] == "scale" and kinds["trust_more"] == "long_text"
    assert definition["questions"][-1]["min_value"] == 14 and definition["questions"][-1]["max_value"] == 110

    copy, warnings = survey_import_xlsform(data=data, created_by=staff, slug="body-cameras-copy")
    assert [w.code for w in warnings] == ["keyword_taken"]  # CAMERAS stays with the seeded survey
    assert copy.keyword == ""
    copied = version_definition(copy.versions.get())
    assert copied["questions"] == definition["questions"] and copied["sections"] == definition["sections"]
    assert copied["title"] == definition["title"]


def test_the_written_workbook_has_a_column_for_every_language_and_groups_for_sections(staff):
    survey, _warnings = survey_import_xlsform(data=workbook(), created_by=staff)
    book = load_workbook(io.BytesIO(write_xlsform(survey.versions.get())), read_only=True)
    header = next(book["survey"].iter_rows(values_only=True))
    assert "label::English (en)" in header and "label::Spanish (es)" in header and "label::Arabic (ar)" in header
    types = [row[0] for row in book["survey"].iter_rows(min_row=2, values_only=True)]
    assert types.count("begin group") == 3 and "range" in types and "select_one yes_no" in types
    yes_no = [row for row in book["choices"].iter_rows(values_only=True) if row[0] == "yes_no"]
    assert [row[1] for row in yes_no] == ["yes", "no"]
    assert "Sí" in yes_no[0]  # its words in each language the form has


# --- Files that are refused, and why ------------------------------------------------------------


def zip_bomb() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            chunk = b"0" * (1024 * 1024)
            for _ in range(MAX_UNCOMPRESSED_BYTES // len(chunk) + 1):
                entry.write(chunk)
    return output.getvalue()


def replaced(rows, index, row):
    return [*rows[:index], row, *rows[index + 1 :]]


BAD = {
    "not_xlsx": (b"type,name,label\ntext,name,Your name\n", ("", None, "", "not_xlsx")),
    "zip_bomb": (None, ("", None, "", "unpacks_too_big")),
    "no_survey_sheet": (workbook(sheets=("choices", "settings")), ("", None, "", "no_survey_sheet")),
    "geopoint": (
        workbook(replaced(SURVEY_ROWS, 8, ["geopoint", "where", "Where are you?"])),
        ("survey", 10, "type", "type_unsupported"),
    ),
    "repeat": (
        workbook([*SURVEY_ROWS, ["begin repeat", "kids", "Each child"], ["text", "kid", "Name"], ["end repeat"]]),
        ("survey", 15, "type", "type_unsupported"),
    ),
    "broken_relevant": (
        workbook(replaced(SURVEY_ROWS, 3, [*SURVEY_ROWS[3][:7], "${contact} = 'yes' or ${contact} = 'no'"])),
        ("survey", 5, "relevant", "relevant"),
    ),
    "relevant_syntax": (
        workbook(replaced(SURVEY_ROWS, 3, [*SURVEY_ROWS[3][:7], "${contact = 'yes'"])),
        ("survey", 5, "relevant", "relevant"),
    ),
    "relevant_later": (
        workbook(replaced(SURVEY_ROWS, 2, [*SURVEY_ROWS[2][:7], "${age} = '30'"])),
        ("survey", 4, "relevant", "relevant_later"),
    ),
    "relevant_value": (
        workbook(replaced(SURVEY_ROWS, 3, [*SURVEY_ROWS[3][:7], "${contact} = 'maybe'"])),
        ("survey", 5, "relevant", "relevant_value"),
    ),
    "duplicate_name": (
        workbook(replaced(SURVEY_ROWS, 10, ["date", "age", "When?"])),
        ("survey", 12, "name", "name_duplicate"),
    ),
    "unknown_list": (
        workbook(replaced(SURVEY_ROWS, 3, ["select_one places", "contact_place", "Where?"])),
        ("survey", 5, "type", "list_unknown"),
    ),
    "or_other": (
        workbook(replaced(SURVEY_ROWS, 3, ["select_one place or_other", "contact_place", "Where?"])),
        ("survey", 5, "type", "or_other"),
    ),
    "missing_label": (workbook(replaced(SURVEY_ROWS, 10, ["date", "when"])), ("survey", 12, "label", "label_missing")),
    "nested_group": (
        workbook(
            [*SURVEY_ROWS[:2], ["begin group", "inner", "Inner"], *SURVEY_ROWS[2:5], ["end group"], *SURVEY_ROWS[5:]]
        ),
        ("survey", 4, "type", "nested_group"),
    ),  # fmt: skip
    "bad_range": (
        workbook(
            replaced(SURVEY_ROWS, 9, ["range", "safe", "How safe?", "", "", "", "", "", "", "", "start=0 end=10"])
        ),
        ("survey", 11, "parameters", "range"),
    ),
    "nan_range": (
        workbook(
            replaced(SURVEY_ROWS, 9, ["range", "safe", "How safe?", "", "", "", "", "", "", "", "start=sNaN end=5"])
        ),
        ("survey", 11, "parameters", "range"),
    ),
    "bad_constraint": (
        workbook(replaced(SURVEY_ROWS, 7, [*SURVEY_ROWS[7][:8], ". > 16 or . < 5"])),
        ("survey", 9, "constraint", "constraint"),
    ),
    "empty": (workbook([["start", "start"]]), ("survey", None, "", "empty")),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_file_names_its_problem_and_writes_nothing(case, staff):
    data, expected = BAD[case]
    data = zip_bomb() if data is None else data
    before = counts()
    definition, problems = read(data)
    assert definition is None
    assert expected in codes(problems)
    with pytest.raises(XLSFormInvalid) as refused:
        survey_import_xlsform(data=data, created_by=staff)
    assert expected in codes(refused.value.problems)
    assert counts() == before


def test_a_problem_is_told_in_plain_words_with_its_place():
    _definition, problems = read(BAD["broken_relevant"][0])
    problem = next(p for p in problems if p.code == "relevant")
    assert problem.message() == (
        "Sheet survey, row 5, column relevant: We can only show a question when one earlier answer has one value, "
        "like ${contact} = 'yes'."
    )
    assert "'yes' or" not in problem.message()  # the cell's text is not repeated back
    _definition, problems = read(BAD["geopoint"][0])
    assert "geopoint" in next(p for p in problems if p.code == "type_unsupported").message()
    with translation.override("es"):
        assert problem.message()  # goes through gettext in the active language


def test_a_slug_already_used_is_refused(staff):
    survey_import_xlsform(data=workbook(), created_by=staff)
    before = counts()
    with pytest.raises(XLSFormInvalid) as refused:
        survey_import_xlsform(data=workbook(), created_by=staff)
    assert ("settings", None, "form_id", "slug_taken") in codes(refused.value.problems)
    with pytest.raises(XLSFormInvalid) as refused:
        survey_import_xlsform(data=workbook(), created_by=staff, slug="body-cameras")
    assert counts() == before


def test_plain_label_columns_belong_to_the_default_language_and_odd_codes_are_understood():
    header = ["type", "name", "label", "label::zh_Hans", "label::Klingon (tlh)"]
    survey = [["text", "name", "Su nombre", "你的名字", "pong"]]
    settings = [["form_title", "form_id", "default_language"], ["Nombres", "names", "Español (es)"]]
    definition, problems = read(workbook(survey, [], settings, header=header))
    assert definition["questions"][0]["label"] == {"es": "Su nombre", "zh-hans": "你的名字"}
    assert definition["title"] == {"es": "Nombres"}
    assert codes(problems, "warning") == [("survey", 1, "label::Klingon (tlh)", "language")]


def test_a_changed_form_replaces_the_draft_and_never_the_published_version(staff):
    survey, _warnings = survey_import_xlsform(data=workbook(), created_by=staff)
    first = survey.versions.get()
    survey_version_publish(version=first)
    changed = workbook([*SURVEY_ROWS, ["text", "footage", "Would you ask for the video?"]])
    draft, warnings = survey_version_import_xlsform(survey=survey, data=changed)
    assert warnings[0].code == "metadata"
    assert draft.number == 2 and not draft.is_published
    assert draft.questions.count() == 9 and first.questions.count() == 8
    again, _warnings = survey_version_import_xlsform(survey=survey, data=workbook())
    assert again.pk == draft.pk and again.questions.count() == 8
    before = counts()
    with pytest.raises(XLSFormInvalid):
        survey_version_import_xlsform(survey=survey, data=BAD["duplicate_name"][0])
    assert counts() == before and again.questions.count() == 8


# --- The back office and the download -----------------------------------------------------------


def upload(data: bytes, name="form.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_staff_import_a_form_in_the_admin(client, staff):
    staff_login(client, staff)
    listing = client.get("/admin/surveys/survey/")
    assert listing.status_code == 200 and "Import an XLSForm" in listing.content.decode()
    page = client.get("/admin/surveys/survey/import-xlsform/")
    assert page.status_code == 200

    refused = client.post("/admin/surveys/survey/import-xlsform/", {"file": upload(BAD["relevant_later"][0])})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Sheet survey, row 4, column relevant" in html and "cannot be imported" in html
    assert not Survey.objects.filter(slug="agents_cameras").exists()

    done = client.post("/admin/surveys/survey/import-xlsform/", {"file": upload(workbook()), "slug": "agents"})
    survey = Survey.objects.get(slug="agents")
    assert done.status_code == 302 and done["Location"] == f"/admin/surveys/survey/{survey.pk}/change/"
    page = client.get(done["Location"])
    html = page.content.decode()
    assert "Export as XLSForm" in html and "Upload a changed XLSForm" in html
    assert "left out" in html  # the warning about the start row
    assert not survey.versions.get().is_published


def test_staff_publish_a_draft_in_the_admin_and_it_then_cannot_change(client, staff):
    staff_login(client, staff)
    survey, _warnings = survey_import_xlsform(data=workbook(), created_by=staff)
    version = survey.versions.get()
    assert client.get(f"/admin/surveys/surveyversion/{version.pk}/change/").status_code == 200
    response = client.post(
        "/admin/surveys/surveyversion/", {"action": "publish", "_selected_action": [version.pk]}, follow=True
    )
    assert response.status_code == 200
    version.refresh_from_db()
    assert version.is_published
    edit = client.post(f"/admin/surveys/surveyversion/{version.pk}/change/", {"sections": "{}"})
    assert edit.status_code == 403
    question = version.questions.get(name="contact_place")
    assert client.post(f"/admin/surveys/question/{question.pk}/change/", {}).status_code == 403
    exported = client.get(f"/admin/surveys/survey/{survey.pk}/export-xlsform/?version=1")
    definition, problems = read(exported.content)
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats") and definition is not None
    for odd in ("²", "99999999999999999999", "x"):
        assert client.get(f"/admin/surveys/survey/{survey.pk}/export-xlsform/?version={odd}").status_code == 404


def test_publishing_an_empty_draft_in_the_admin_shows_why(client, staff):
    staff_login(client, staff)
    survey = Survey.objects.create(slug="empty-one", title={"en": "Empty"})
    draft = survey_draft_version(survey=survey)
    response = client.post(
        "/admin/surveys/surveyversion/", {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert "needs at least one question" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_published


def test_people_who_do_not_build_surveys_cannot_import(client, advocate, auditor):
    sign_in(client, advocate)
    assert client.get("/admin/surveys/survey/import-xlsform/").status_code == 302  # not staff: to the login
    staff_login(client, auditor)
    assert client.get("/admin/surveys/survey/").status_code == 200  # may look
    assert client.get("/admin/surveys/survey/import-xlsform/").status_code == 403
    before = counts()
    assert client.post("/admin/surveys/survey/import-xlsform/", {"file": upload(workbook())}).status_code == 403
    assert counts() == before


def test_the_export_view_downloads_the_published_version(client, staff, advocate):
    url = "/en/work/surveys/body-cameras/xlsform.xlsx"
    anonymous = client.get(url)
    assert anonymous.status_code in (302, 404)
    if anonymous.status_code == 302:
        assert "sign" in anonymous["Location"] or "login" in anonymous["Location"]
    for person in (staff, advocate):
        sign_in(client, person)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="body-cameras.xlsx"'
        definition, problems = read(response.content)
        assert definition is not None and definition["slug"] == "body-cameras"
    assert client.get(url + "?version=1").status_code == 200
    assert client.get(url + "?version=2").status_code == 404
    assert client.get(url + "?version=abc").status_code == 404
    assert client.get(url + "?version=99999999999999999999").status_code == 404


def i18n(name: str, texts: dict) -> dict:
    """The boxes of a translated field in the admin: one per language, in the settings' order."""
    from django.conf import settings

    return {f"{name}_{n}": texts.get(code, "") for n, (code, _name) in enumerate(settings.LANGUAGES)}


def test_staff_edit_a_draft_question_and_its_choices_in_the_admin(client, staff):
    staff_login(client, staff)
    survey, _warnings = survey_import_xlsform(data=workbook(), created_by=staff)
    version = survey.versions.get()
    question = version.questions.get(name="contact_place")
    home, street = question.choices.order_by("position")
    data = {
        "position": question.position, "section": 1, "name": "contact_place", "kind": "single", "required": "on",
        **i18n("label", {"en": "Where was it?", "es": "¿Dónde fue?"}), **i18n("hint", {}),
        "min_value": "", "max_value": "", "show_if": '{"question": "contact", "value": "yes"}',
        "choices-TOTAL_FORMS": "3", "choices-INITIAL_FORMS": "2", "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "1000",
        "choices-0-id": home.pk, "choices-0-question": question.pk, "choices-0-position": "1",
        "choices-0-value": "home", **i18n("choices-0-label", {"en": "At home"}),
        "choices-1-id": street.pk, "choices-1-question": question.pk, "choices-1-position": "2",
        "choices-1-value": "street", **i18n("choices-1-label", {"en": "On the street"}),
        "choices-2-question": question.pk, "choices-2-position": "", "choices-2-value": "court",
        **i18n("choices-2-label", {"en": "At a court", "ar": "في المحكمة"}),
    }  # fmt: skip
    response = client.post(f"/admin/surveys/question/{question.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    question.refresh_from_db()
    assert question.required and question.label.data == {"en": "Where was it?", "es": "¿Dónde fue?"}
    assert [(c.position, c.value) for c in question.choices.order_by("position")] == [
        (1, "home"), (2, "street"), (3, "court"),
    ]  # fmt: skip

    broken = {**data, "show_if": '["contact"]', "choices-2-value": "home"}
    refused = client.post(f"/admin/surveys/question/{question.pk}/change/", broken)
    assert refused.status_code == 200 and "Write the rule like" in refused.content.decode()
    assert question.choices.count() == 3


def test_a_question_added_on_a_draft_version_page_goes_last(client, staff):
    staff_login(client, staff)
    survey = Survey.objects.create(slug="one-question", title={"en": "One"})
    version = survey_draft_version(survey=survey)
    data = {
        "sections": '{"1": {"en": "Start"}}',
        "questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "0", "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-version": version.pk, "questions-0-position": "", "questions-0-section": "1",
        "questions-0-name": "footage", "questions-0-kind": "yes_no", "questions-0-required": "on",
        **i18n("questions-0-label", {"en": "Would you ask for the video?"}), **i18n("questions-0-hint", {}),
        "questions-0-min_value": "", "questions-0-max_value": "", "questions-0-show_if": "",
    }  # fmt: skip
    response = client.post(f"/admin/surveys/surveyversion/{version.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    question = version.questions.get()
    assert (question.name, question.position, question.kind) == ("footage", 1, "yes_no")
    version.refresh_from_db()
    assert version.sections == {"1": {"en": "Start"}}
    refused = client.post(f"/admin/surveys/surveyversion/{version.pk}/change/", {**data, "sections": "[1, 2]"})
    assert refused.status_code == 200 and version.questions.count() == 1


def test_a_survey_made_by_hand_opens_only_once_a_version_is_published(client, staff):
    staff_login(client, staff)
    data = {
        "slug": "by-hand", **i18n("title", {"en": "By hand", "es": "A mano"}), **i18n("description", {}),
        **i18n("document", {}), "keyword": "hand1", "status": "open", "audience": "public",
        "opens_at_0": "", "opens_at_1": "", "closes_at_0": "", "closes_at_1": "",
    }  # fmt: skip
    refused = client.post("/admin/surveys/survey/add/", data)
    assert refused.status_code == 200 and "Publish a version of this survey" in refused.content.decode()
    assert not Survey.objects.filter(slug="by-hand").exists()
    created = client.post("/admin/surveys/survey/add/", {**data, "status": "draft"})
    assert created.status_code == 302
    survey = Survey.objects.get(slug="by-hand")
    assert survey.created_by == staff and survey.keyword == "HAND1" and survey.title.data["es"] == "A mano"
    client.post("/admin/surveys/survey/", {"action": "start_draft", "_selected_action": [survey.pk]})
    assert survey.versions.get().number == 1


def test_staff_hand_out_an_invitation_from_the_admin(client, staff, organization):
    staff_login(client, staff)
    seeded = Survey.objects.get(slug="body-cameras")
    draft_survey = Survey.objects.create(slug="not-open", title={"en": "Not open"})
    refused = client.post(
        "/admin/surveys/invitation/add/",
        {"survey": draft_survey.pk, "organization": organization.pk, "is_active": "on"},
    )
    assert refused.status_code == 200 and not draft_survey.invitations.exists()
    made = client.post(
        "/admin/surveys/invitation/add/", {"survey": seeded.pk, "organization": organization.pk, "is_active": "on"}
    )
    invitation = seeded.invitations.get()
    assert made.status_code == 302 and len(invitation.code) >= 6 and invitation.created_by == staff
    assert client.get(f"/admin/surveys/invitation/{invitation.pk}/change/").status_code == 200
