"""Paper batches: a CSV or XLSX file of paper answers is checked row by row, then imported whole or
only its valid rows, in one transaction, never twice."""

import csv
import io
import json
import random
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone, translation

from accounts import roles
from core.errors import ApplicationError
from surveys import batch_files, services
from surveys.models import Answer, Batch, BatchRow, Question, Response, Survey
from surveys.services import (
    batch_check,
    batch_discard,
    batch_import,
    batch_import_start,
    batch_upload,
    batches_resume_stuck,
    question_add,
    survey_draft_version,
    survey_version_publish,
)
from tests.conftest import sign_in
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def survey():
    survey = Survey.objects.create(
        slug="paper-test", title={"en": "Paper test", "es": "Prueba en papel"}, status=Survey.Status.OPEN
    )
    draft = survey_draft_version(survey=survey)
    question_add(version=draft, name="contact", kind=Question.Kind.YES_NO, required=True, label={"en": "Met agents?"})
    question_add(
        version=draft,
        name="place",
        kind=Question.Kind.SINGLE,
        show_if={"question": "contact", "value": "yes"},
        label={"en": "Where?"},
        choices=[("home", {"en": "At home", "es": "En casa"}), ("work", {"en": "At work", "es": "En el trabajo"})],
    )
    question_add(
        version=draft,
        name="camera",
        kind=Question.Kind.SINGLE,
        required=True,
        show_if={"question": "contact", "value": "yes"},
        label={"en": "Camera?"},
        choices=[("yes", {"en": "Yes"}), ("no", {"en": "No"}), ("unsure", {"en": "Not sure"})],
    )
    question_add(
        version=draft,
        name="worries",
        kind=Question.Kind.MULTIPLE,
        label={"en": "Worries?"},
        choices=[("children", {"en": "My children", "es": "Mis hijos"}), ("who_sees", {"en": "Who sees it"})],
    )
    question_add(version=draft, name="safe", kind=Question.Kind.SCALE, required=True, label={"en": "Safe?"})
    question_add(version=draft, name="age", kind=Question.Kind.NUMBER, min_value=14, max_value=110, label={"en": "Age"})
    question_add(version=draft, name="when", kind=Question.Kind.DATE, label={"en": "When?"})
    question_add(version=draft, name="trust", kind=Question.Kind.LONG_TEXT, label={"en": "What would help?"})
    survey_version_publish(version=draft)
    return survey


HEADER = ["contact", "place", "camera", "worries", "safe", "age", "when", "trust"]
GOOD = ["yes", "home", "no", "children who_sees", "2", "34", "2026-03-15", "Que no lo vea la policía."]


def csv_bytes(rows, *, encoding="utf-8", delimiter=",", header=HEADER) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(survey, user, organization, data, *, name="forty.csv", capture=None) -> Batch:
    """Upload and run the check the upload enqueues on commit (Celery is eager in tests)."""
    with capture(execute=True):
        batch = batch_upload(
            survey=survey,
            organization=organization,
            uploaded_by=user,
            file_name=name,
            data=data,
            respondents_consented=True,
        )
    batch.refresh_from_db()
    return batch


@pytest.fixture
def send(survey, advocate, organization, django_capture_on_commit_callbacks):
    def send(data, name="forty.csv", who=None, org=None, target=None):
        return upload(
            target or survey,
            who or advocate,
            org or organization,
            data,
            name=name,
            capture=django_capture_on_commit_callbacks,
        )

    return send


def problems(batch) -> list[tuple]:
    return [tuple(problem) for problem in batch.problems]


def answers_of(response) -> dict:
    found = {}
    for answer in response.answers.select_related("question"):
        kind = answer.question.kind
        if kind == Question.Kind.MULTIPLE:
            found[answer.question.name] = answer.choices
        elif kind == Question.Kind.NUMBER:
            found[answer.question.name] = answer.number
        elif kind == Question.Kind.DATE:
            found[answer.question.name] = answer.date
        elif kind == Question.Kind.LONG_TEXT:
            found[answer.question.name] = answer.text
        else:
            found[answer.question.name] = answer.choice
    return found


# --- Reading files ------------------------------------------------------------------------------


def test_a_latin1_file_from_excel_is_read_with_its_accents(send):
    batch = send(csv_bytes([["sí", "En casa", "no", "Mis hijos", "3", "40", "", "Tenía miedo."]], encoding="cp1252"))
    assert batch.status == Batch.Status.CHECKED and problems(batch) == [] and batch.rows_valid == 1
    batch = batch_import(batch=batch, only_valid=False)
    response = Response.objects.get()
    assert answers_of(response) == {
        "contact": "yes",
        "place": "home",
        "camera": "no",
        "worries": ["children"],
        "safe": "3",
        "age": Decimal("40"),
        "trust": "Tenía miedo.",
    }
    assert response.channel == Response.Channel.PAPER and response.batch == batch


def test_a_utf8_file_with_a_byte_order_mark_keeps_its_first_column(send):
    batch = send(b"\xef\xbb\xbf" + csv_bytes([GOOD]))
    assert problems(batch) == [] and batch.rows_valid == 1


def test_a_semicolon_file_is_read_by_its_separator(send):
    row = ["oui", "work", "unsure", "children;who_sees", "5", "34,5", "15.03.2026", "Nada, gracias; nada."]
    batch = send(csv_bytes([row], delimiter=";", encoding="utf-8"))
    assert problems(batch) == []
    batch_import(batch=batch, only_valid=False)
    found = answers_of(Response.objects.get())
    assert found["worries"] == ["children", "who_sees"] and found["age"] == Decimal("34.5")
    assert found["trust"] == "Nada, gracias; nada." and found["when"] == date(2026, 3, 15)


def test_an_xlsx_file_with_real_date_cells_and_numbers(send):
    rows = [
        [True, "At work", "yes", "who_sees", 4, 52.0, datetime(2026, 3, 15), "Más cámaras."],  # noqa: DTZ001 (Excel has no zones)
        ["no", None, None, None, 1, 19, date(2025, 12, 1), None],
    ]
    batch = send(xlsx_bytes(rows), name="forty.xlsx")
    assert batch.status == Batch.Status.CHECKED and problems(batch) == [] and batch.rows_valid == 2
    batch_import(batch=batch, only_valid=False)
    found = sorted((answers_of(r) for r in Response.objects.all()), key=lambda a: a["safe"])
    assert found[0] == {"contact": "no", "safe": "1", "age": Decimal("19"), "when": date(2025, 12, 1)}
    assert found[1]["when"] == date(2026, 3, 15) and found[1]["place"] == "work" and found[1]["contact"] == "yes"


def test_a_file_that_is_not_a_table_is_refused_by_its_content_not_its_name(send):
    for data in [b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", b"\x89PNG\r\n\x1a\n\x00\x00", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]:
        with pytest.raises(ApplicationError) as refused:
            send(data, name="answers.csv")
        assert refused.value.code == "file_type"
    assert not Batch.objects.exists()


def test_an_empty_or_too_large_file_no_consent_or_a_closed_survey_are_refused(survey, advocate, organization, settings):
    def try_upload(data=b"contact\nyes\n", consented=True):
        with pytest.raises(ApplicationError) as refused:
            batch_upload(survey=survey, organization=organization, uploaded_by=advocate, file_name="a.csv",
                         data=data, respondents_consented=consented)  # fmt: skip
        return refused.value.code

    assert try_upload(b"") == "empty"
    assert try_upload(consented=False) == "consent"
    settings.SURVEY_BATCH_MAX_BYTES = 10
    assert try_upload() == "too_large"
    settings.SURVEY_BATCH_MAX_BYTES = 1024
    survey.status = Survey.Status.CLOSED
    survey.save()
    assert try_upload() == "closed"
    assert not Batch.objects.exists()


def test_excel_separator_line_is_followed_and_not_counted_as_a_row(send):
    batch = send(b"sep=;\r\n" + csv_bytes([GOOD, ["maybe"] + GOOD[1:]], delimiter=";"))
    assert problems(batch) == [(3, "contact", "choice")] and batch.rows_valid == 1


def test_excel_unicode_text_is_read(send):
    batch = send(csv_bytes([GOOD], delimiter="\t", encoding="utf-16"), name="forty.txt")
    assert problems(batch) == [] and batch.rows_valid == 1


def test_a_file_with_only_its_header_or_nothing_at_all(send):
    batch = send(csv_bytes([]))
    assert batch.status == Batch.Status.CHECKED and problems(batch) == [(1, "", "no_rows")]
    assert batch.rows_valid == 0
    assert send(b",,,\r\n,,\r\n").problems == [[0, "", "no_header"]]


def test_a_damaged_xlsx_fails_with_a_code(send):
    data = bytearray(xlsx_bytes([GOOD]))
    data[200:400] = b"\x00" * 200
    batch = send(bytes(data), name="x.xlsx")
    assert batch.status == Batch.Status.FAILED and batch.problems == [[0, "", "unreadable"]]
    assert batch.file == ""


# --- Checking rows ------------------------------------------------------------------------------


def test_wrong_and_missing_columns_are_problems_at_row_1_and_nothing_can_be_imported(send):
    header = ["edad", "place", "safe", "safe", "language"]
    batch = send(csv_bytes([["40", "home", "2", "3", "es"]], header=header))
    assert problems(batch)[:4] == [
        (1, "edad", "unknown_column"),
        (1, "safe", "duplicate_column"),
        (1, "contact", "missing_column"),
        (1, "camera", "missing_column"),
    ]
    assert batch.rows_valid == 0
    with pytest.raises(ApplicationError) as refused:
        batch_import(batch=batch, only_valid=True)
    assert refused.value.code == "nothing_valid"
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "change,problem",
    [({1: "garage"}, "place:choice"), ({3: "children aliens"}, "worries:choice"), ({4: "6"}, "safe:choice"),
     ({5: "7"}, "age:bounds"), ({5: "111"}, "age:bounds"), ({5: "lots"}, "age:number"),
     ({0: "maybe"}, "contact:choice"),
     ({6: "15/03/2026"}, "when:date"), ({6: "2026-02-30"}, "when:date"), ({7: "x" * 20001}, "trust:text"),
     ({2: ""}, "camera:required"), ({4: ""}, "safe:required")],
)  # fmt: skip
def test_a_wrong_answer_is_a_problem_naming_its_row_and_column_never_its_value(send, change, problem):
    bad = [change.get(n, value) for n, value in enumerate(GOOD)]
    batch = send(csv_bytes([GOOD, bad, GOOD[:7] + ["Otra respuesta."]]))
    column, code = problem.split(":")
    assert problems(batch) == [(3, column, code)]
    assert batch.rows_total == 3 and batch.rows_valid == 2


def test_a_problem_report_never_keeps_what_was_written(send):
    secret = "Juana Pérez 713-555-0100"
    batch = send(csv_bytes([[secret, secret, "no", secret, secret, secret, secret, "ok"]]))
    assert {p[1] for p in problems(batch)} == {"contact", "safe", "worries", "age", "when"}
    stored = json.dumps(batch.problems, ensure_ascii=False)
    assert "Juana" not in stored and "555" not in stored


def test_the_message_names_row_column_and_what_is_wrong(survey):
    age = survey.current_version.questions.get(name="age")
    with translation.override("en"):
        assert (
            batch_files.problem_sentence(12, "age", "bounds", age)
            == "Row 12, column age: the number must be between 14 and 110."
        )


@pytest.mark.parametrize("written", ["2026-03-15", "3/15/2026", "15.03.2026", "2026-03-15 00:00:00"])
def test_dates_are_read_in_three_ways(send, written):
    batch = send(csv_bytes([GOOD[:6] + [written, ""]]))
    assert problems(batch) == []
    batch_import(batch=batch, only_valid=False)
    assert Answer.objects.get(question__name="when").date == date(2026, 3, 15)


def test_show_if_rules_hide_and_require_as_on_the_web(send):
    rows = [
        ["no", "", "", "", "3", "", "", ""],  # camera is required only when shown: fine
        ["no", "home", "yes", "", "3", "", "", ""],  # hidden answers are dropped, as on the web
        ["yes", "home", "", "", "3", "", "", ""],  # shown and required: a problem
    ]
    batch = send(csv_bytes(rows))
    assert problems(batch) == [(4, "camera", "required")]
    batch_import(batch=batch, only_valid=True)
    assert Response.objects.count() == 2
    assert not Answer.objects.filter(question__name__in=["place", "camera"]).exists()


def test_yes_no_words_and_choice_words_in_any_language_and_case(send):
    rows = [
        [word, "EN EL TRABAJO", "No", "MIS HIJOS, who sees it", "1", "", "", ""] for word in ["Sí", "wi", "да", "sim"]
    ]
    rows.append(["non", "", "", "", "1", "", "", ""])
    batch = send(csv_bytes(rows))
    assert problems(batch) == []
    batch_import(batch=batch, only_valid=False)
    assert Counter(Answer.objects.filter(question__name="contact").values_list("choice", flat=True)) == {
        "yes": 4,
        "no": 1,
    }
    assert set(Answer.objects.filter(question__name="place").values_list("choice", flat=True)) == {"work"}
    assert all(a.choices == ["children", "who_sees"] for a in Answer.objects.filter(question__name="worries"))


def test_optional_columns_language_office_and_form_number(send, advocate):
    header = [*HEADER, "language", "field_office", "form_id"]
    rows = [GOOD + ["ES", "hou", "A-1"], GOOD + ["", "", "A-2"], GOOD + ["xx", "ZZZ", "A-3"], GOOD + ["es", "", "a-1"]]
    batch = send(csv_bytes(rows, header=header))
    assert problems(batch) == [
        (4, "language", "language"),
        (4, "field_office", "field_office"),
        (5, "form_id", "form_id_repeated"),
    ]
    batch_import(batch=batch, only_valid=True)
    imported = {r.field_office: r.language for r in Response.objects.all()}
    assert imported == {"HOU": "es", "": advocate.preferred_language}


def test_the_example_row_of_the_template_is_not_imported(send, survey):
    rows = batch_files.template_rows(list(survey.current_version.questions.all()), language="es")
    batch = send(csv_bytes(rows[1:], header=rows[0]))
    assert problems(batch) == [(2, "form_id", "example_row")]


# --- Importing ----------------------------------------------------------------------------------


def test_import_is_refused_with_problems_unless_only_the_valid_rows(send):
    batch = send(csv_bytes([GOOD, ["maybe"] + GOOD[1:], GOOD[:5] + ["200"] + GOOD[6:]]))
    with pytest.raises(ApplicationError) as refused:
        batch_import(batch=batch, only_valid=False)
    assert refused.value.code == "problems" and not Response.objects.exists()
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CHECKED
    batch = batch_import(batch=batch, only_valid=True)
    assert batch.status == Batch.Status.IMPORTED and batch.rows_imported == 1 and batch.rows_already == 0
    assert Response.objects.count() == 1 and answers_of(Response.objects.get())["age"] == Decimal("34")


def test_an_import_keeps_who_collected_and_the_consent_and_deletes_the_file(
    send, advocate, organization, django_capture_on_commit_callbacks
):
    batch = send(csv_bytes([GOOD]))
    name = batch.file
    assert default_storage.exists(name)
    assert "policía".encode() not in default_storage.open(name).read()  # encrypted at rest
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_import(batch=batch, only_valid=False)
    response = Response.objects.get()
    assert response.organization == organization and response.collected_by == advocate
    assert response.respondent_consent_at == batch.created_at
    assert batch.file == "" and not default_storage.exists(name)
    assert not BatchRow.objects.exists()


def test_the_same_file_twice_is_refused_saying_when(send):
    data = csv_bytes([GOOD, GOOD[:5] + ["40"] + GOOD[6:]])
    batch_import(batch=send(data), only_valid=False)
    with pytest.raises(ApplicationError) as refused:
        send(data)
    assert refused.value.code == "already_imported" and "already imported on" in refused.value.message
    assert Response.objects.count() == 2 and Batch.objects.count() == 1


def test_the_same_rows_in_another_file_are_recognised_and_not_added_again(send):
    rows = [GOOD, GOOD[:5] + ["40"] + GOOD[6:]]
    batch_import(batch=send(csv_bytes(rows)), only_valid=False)
    # The same answers saved by Excel instead: another encoding, separator and way of writing them.
    again = [["Sí", "At home", "NO", "who_sees;children", "2", "34.0", "3/15/2026", GOOD[7]], rows[1]]
    batch = batch_import(batch=send(csv_bytes(again, delimiter=";", encoding="cp1252")), only_valid=False)
    assert batch.rows_imported == 0 and batch.rows_already == 2
    assert Response.objects.count() == 2


def test_a_corrected_file_after_importing_the_valid_rows_adds_only_the_fixed_rows(send):
    rows = [GOOD[:5] + [str(age)] + GOOD[6:] for age in range(20, 60)]
    rows[11][5] = "7"  # row 13
    rows[29][0] = "tal vez"  # row 31
    first = send(csv_bytes(rows))
    assert [p[0] for p in problems(first)] == [13, 31] and first.rows_valid == 38
    batch_import(batch=first, only_valid=True)
    rows[11][5] = "17"
    rows[29][0] = "sí"
    second = send(csv_bytes(rows))
    assert problems(second) == []
    second = batch_import(batch=second, only_valid=False)
    assert second.rows_imported == 2 and second.rows_already == 38
    ages = sorted(int(n) for n in Answer.objects.filter(question__name="age").values_list("number", flat=True))
    assert ages == sorted([*range(20, 60)][:11] + [17] + [*range(20, 60)][12:])


def test_two_identical_paper_forms_in_one_file_are_both_kept(send):
    other = GOOD[:5] + ["50"] + GOOD[6:]
    batch = batch_import(batch=send(csv_bytes([GOOD, other, GOOD])), only_valid=False)
    assert batch.rows_imported == 3 and Response.objects.count() == 3
    # The same file saved again (a different file for its bytes): nothing new.
    again = batch_import(batch=send(csv_bytes([GOOD, GOOD, other], delimiter=";")), only_valid=False)
    assert again.rows_imported == 0 and again.rows_already == 3
    # A third identical form in a later file is a new form.
    third = batch_import(batch=send(csv_bytes([GOOD, GOOD, GOOD, other], delimiter="\t")), only_valid=False)
    assert third.rows_imported == 1 and third.rows_already == 3
    assert Response.objects.count() == 4


def test_a_form_number_identifies_a_form_whatever_its_answers(send):
    header = [*HEADER, "form_id"]
    batch_import(batch=send(csv_bytes([GOOD + ["F-9"]], header=header)), only_valid=False)
    corrected = GOOD[:5] + ["35"] + GOOD[6:] + ["F-9"]
    batch = batch_import(batch=send(csv_bytes([corrected, GOOD + ["F-10"]], header=header)), only_valid=False)
    assert batch.rows_imported == 1 and batch.rows_already == 1


def test_a_failure_in_the_middle_of_an_import_writes_nothing(send, monkeypatch):
    monkeypatch.setattr(services, "BATCH_CHUNK_ROWS", 2)
    batch = send(csv_bytes([GOOD[:5] + [str(age)] + GOOD[6:] for age in range(20, 27)]))
    real_chunk, calls = services._batch_import_chunk, []

    def failing_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real_chunk(*args, **kwargs)

    monkeypatch.setattr(services, "_batch_import_chunk", failing_chunk)
    batch_import_start_like_a_person(batch)
    with pytest.raises(RuntimeError):
        batch_import(batch=batch, only_valid=False)
    assert len(calls) == 2 and not Response.objects.exists() and not Answer.objects.exists()
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CHECKED and default_storage.exists(batch.file)
    assert BatchRow.objects.filter(batch=batch).count() == 7
    monkeypatch.setattr(services, "_batch_import_chunk", real_chunk)
    batch = batch_import(batch=batch, only_valid=False)
    assert batch.rows_imported == 7 and Response.objects.count() == 7


def batch_import_start_like_a_person(batch):
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.IMPORTING, imported_at=timezone.now())


def test_discarding_deletes_the_file_and_imports_nothing(send, django_capture_on_commit_callbacks):
    batch = send(csv_bytes([GOOD]))
    name = batch.file
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_discard(batch=batch)
    assert batch.status == Batch.Status.DISCARDED and not default_storage.exists(name)
    with pytest.raises(ApplicationError):
        batch_import(batch=batch, only_valid=False)
    assert not Response.objects.exists() and not BatchRow.objects.exists()
    assert send(csv_bytes([GOOD])).status == Batch.Status.CHECKED  # a discarded file may come again


def test_the_sweep_resumes_a_check_or_an_import_whose_worker_died(
    survey, advocate, organization, django_capture_on_commit_callbacks
):
    batch = batch_upload(survey=survey, organization=organization, uploaded_by=advocate, file_name="a.csv",
                         data=csv_bytes([GOOD]), respondents_consented=True)  # fmt: skip
    # The check was enqueued on commit, and lost: the batch stays CHECKING.
    assert batches_resume_stuck() == 0  # not for long enough yet
    Batch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert batches_resume_stuck() == 1
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CHECKED
    batch_import_start(batch=batch, only_valid=False)  # enqueued on commit, and lost
    batch.refresh_from_db()
    assert batch.status == Batch.Status.IMPORTING and not Response.objects.exists()
    Batch.objects.filter(pk=batch.pk).update(imported_at=timezone.now() - timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert batches_resume_stuck() == 1
    batch.refresh_from_db()
    assert batch.status == Batch.Status.IMPORTED and Response.objects.count() == 1
    assert batches_resume_stuck() == 0


def test_a_check_run_twice_changes_nothing(send):
    batch = send(csv_bytes([GOOD, GOOD]))
    again = batch_check(batch=batch)
    assert again.status == Batch.Status.CHECKED and BatchRow.objects.filter(batch=batch).count() == 2


# --- The seeded survey, 500 rows ----------------------------------------------------------------

SEEDED_SINGLE = ["contact", "contact_place", "camera_seen", "camera_on", "safe_reporting", "reported_before",
                 "would_request", "request_barrier"]  # fmt: skip
SEEDED_MULTIPLE = ["footage_worries", "trust_helps"]


def seeded_rows(count: int, seed: int = 7) -> list[dict]:
    """Answers as people give them, following the survey's show-if rules."""
    rng = random.Random(seed)
    texts = ["Que no lo vea la policía.", "Nothing.", "Mwen pa konnen.", "Câmeras sempre ligadas.", "不要", ""]
    rows = []
    for _n in range(count):
        row = {"contact": rng.choice(["yes", "no"]), "safe_reporting": str(rng.randint(1, 5))}
        if row["contact"] == "yes":
            row["contact_place"] = rng.choice(["home", "work", "street", "court", "check_in", "detention", "other"])
            row["camera_seen"] = rng.choice(["yes", "no", "unsure"])
            if row["camera_seen"] == "yes":
                row["camera_on"] = rng.choice(["yes", "no", "unsure", ""])
        row["reported_before"] = rng.choice(["yes", "no", ""])
        row["footage_worries"] = " ".join(rng.sample(["who_sees", "children", "home", "used_against", "kept_long"],
                                                     rng.randint(0, 3)))  # fmt: skip
        row["would_request"] = rng.choice(["yes", "no", "unsure", ""])
        if row["would_request"] == "no":
            row["request_barrier"] = rng.choice(["afraid", "how", "language", "no_use", "other"])
        row["trust_helps"] = ";".join(rng.sample(["anonymous", "language", "phone", "group", "result", "independent"],
                                                 rng.randint(0, 2)))  # fmt: skip
        row["trust_more"] = rng.choice(texts)
        row["age"] = rng.choice(["", str(rng.randint(14, 90))])
        rows.append(row)
    return rows


def test_500_rows_for_the_seeded_survey_import_exactly_what_the_file_says(
    body_cameras, advocate, organization, django_capture_on_commit_callbacks
):
    names = [q.name for q in body_cameras.current_version.questions.all()]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, restval="")
    writer.writeheader()
    writer.writerows(seeded_rows(500))
    raw = buffer.getvalue().encode("utf-8")
    batch = upload(body_cameras, advocate, organization, raw, capture=django_capture_on_commit_callbacks)
    assert batch.problems == [] and batch.rows_valid == 500
    batch = batch_import(batch=batch, only_valid=False)
    assert batch.rows_imported == 500 and Response.objects.filter(survey=body_cameras).count() == 500

    # Counted again from the raw file, with nothing of the import's code.
    expected_choices, expected_items, ages, texts = Counter(), Counter(), [], Counter()
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        for name in SEEDED_SINGLE:
            if row[name]:
                expected_choices[(name, row[name])] += 1
        for name in SEEDED_MULTIPLE:
            for item in row[name].replace(";", " ").split():
                expected_items[(name, item)] += 1
        if row["age"]:
            ages.append(int(row["age"]))
        if row["trust_more"]:
            texts[row["trust_more"]] += 1
    answers = Answer.objects.filter(response__batch=batch).select_related("question")
    got_choices, got_items, got_ages, got_texts = Counter(), Counter(), [], Counter()
    for answer in answers:
        name = answer.question.name
        if name in SEEDED_SINGLE:
            got_choices[(name, answer.choice)] += 1
        elif name in SEEDED_MULTIPLE:
            got_items.update((name, item) for item in answer.choices)
        elif name == "age":
            got_ages.append(int(answer.number))
        elif name == "trust_more":
            got_texts[answer.text] += 1
    assert got_choices == expected_choices
    assert got_items == expected_items
    assert sorted(got_ages) == sorted(ages)
    assert got_texts == texts


# --- Pages --------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, advocate):
    sign_in(client, advocate)
    return client


def test_a_person_uploads_sees_the_problems_and_imports_the_valid_rows(
    signed_in, survey, django_capture_on_commit_callbacks
):
    data = csv_bytes([GOOD, GOOD[:5] + ["7"] + GOOD[6:]])
    with django_capture_on_commit_callbacks(execute=True):
        answer = signed_in.post(
            "/en/work/surveys/paper-test/batches/",
            {"file": io.BytesIO(data), "consent": "on"},
            format="multipart",
        )
    assert answer.status_code == 302
    batch = Batch.objects.get()
    assert answer["Location"] == f"/en/work/surveys/batches/{batch.pk}/"
    page = signed_in.get(answer["Location"])
    html = page.content.decode()
    assert "the number must be between 14 and 110" in html.lower()
    assert "Import only the 1 valid row" in html and 'http-equiv="refresh"' not in html
    with django_capture_on_commit_callbacks(execute=True):
        done = signed_in.post(answer["Location"], {"action": "import_valid"})
    assert done.status_code == 302
    batch.refresh_from_db()
    assert batch.status == Batch.Status.IMPORTED and Response.objects.count() == 1
    assert "New answers saved" in signed_in.get(answer["Location"]).content.decode()


def test_importing_all_rows_is_refused_on_the_page_when_some_have_problems(signed_in, send):
    batch = send(csv_bytes([GOOD, ["maybe"] + GOOD[1:]]))
    answer = signed_in.post(f"/en/work/surveys/batches/{batch.pk}/", {"action": "import"})
    assert answer.status_code == 400 and "Some rows have problems" in answer.content.decode()
    assert not Response.objects.exists()


def test_a_page_being_checked_refreshes_itself(signed_in, survey, advocate, organization):
    batch = batch_upload(survey=survey, organization=organization, uploaded_by=advocate, file_name="a.csv",
                         data=csv_bytes([GOOD]), respondents_consented=True)  # fmt: skip
    html = signed_in.get(f"/en/work/surveys/batches/{batch.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html


def test_the_upload_form_needs_consent_and_a_table_file(signed_in, survey):
    answer = signed_in.post("/en/work/surveys/paper-test/batches/", {"file": io.BytesIO(csv_bytes([GOOD]))})
    assert answer.status_code == 400 and not Batch.objects.exists()
    picture = io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
    picture.name = "answers.csv"
    answer = signed_in.post("/en/work/surveys/paper-test/batches/", {"file": picture, "consent": "on"})
    assert answer.status_code == 400 and "This is not a CSV or Excel" in answer.content.decode()
    assert not Batch.objects.exists()


def test_a_person_in_several_organizations_chooses_one(client, survey, organization):
    other = OrganizationFactory(name="Border Rights", slug="border-rights")
    user = UserFactory(username="multi", role=roles.ADVOCATE, organization=organization)
    from accounts.models import Membership

    Membership.objects.create(user=user, organization=other)
    sign_in(client, user)
    page = client.get("/en/work/surveys/paper-test/batches/").content.decode()
    assert "Border Rights" in page and "Gulf Coast Legal Aid" in page
    answer = client.post(
        "/en/work/surveys/paper-test/batches/", {"file": io.BytesIO(csv_bytes([GOOD])), "consent": "on"}
    )
    assert answer.status_code == 400 and not Batch.objects.exists()
    answer = client.post(
        "/en/work/surveys/paper-test/batches/",
        {"file": io.BytesIO(csv_bytes([GOOD])), "consent": "on", "organization": str(other.pk)},
    )
    assert answer.status_code == 302 and Batch.objects.get().organization == other


def test_the_template_has_every_column_an_example_and_a_byte_order_mark(signed_in, survey):
    answer = signed_in.get("/en/work/surveys/paper-test/batches/template.csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == [*HEADER, "language", "field_office", "form_id"]
    assert len(rows) == 2 and rows[1][0] == "yes" and rows[1][-1] == "EXAMPLE"


def test_a_member_of_another_organization_cannot_see_a_batch(client, send):
    batch = send(csv_bytes([GOOD]))
    stranger = UserFactory(username="otro", role=roles.ADVOCATE, organization=OrganizationFactory())
    sign_in(client, stranger)
    assert client.get(f"/en/work/surveys/batches/{batch.pk}/").status_code == 404
    assert client.post(f"/en/work/surveys/batches/{batch.pk}/", {"action": "discard"}).status_code == 404
    listing = client.get("/en/work/surveys/paper-test/batches/").content.decode()
    assert "forty.csv" not in listing
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CHECKED


def test_staff_see_every_batch_and_the_public_none(client, send, liaison):
    batch = send(csv_bytes([GOOD]))
    answer = client.get(f"/en/work/surveys/batches/{batch.pk}/")
    assert answer.status_code == 302 and "sign-in" in answer["Location"]
    sign_in(client, liaison)
    assert client.get(f"/en/work/surveys/batches/{batch.pk}/").status_code == 200
    assert "forty.csv" in client.get("/en/work/surveys/paper-test/batches/").content.decode()


def test_problems_are_shown_200_a_page(signed_in, send):
    batch = send(csv_bytes([["maybe"] + GOOD[1:]] * 250))
    assert len(batch.problems) == 250
    first = signed_in.get(f"/en/work/surveys/batches/{batch.pk}/").content.decode()
    second = signed_in.get(f"/en/work/surveys/batches/{batch.pk}/?page=2").content.decode()
    assert first.count("Write yes or no.") == 200 and second.count("Write yes or no.") == 50


def test_the_list_of_batches_makes_a_fixed_number_of_queries(signed_in, send, django_assert_max_num_queries):
    send(csv_bytes([GOOD]))
    with django_assert_max_num_queries(14) as few:
        assert signed_in.get("/en/work/surveys/paper-test/batches/").status_code == 200
    for age in range(20, 26):
        send(csv_bytes([GOOD[:5] + [str(age)] + GOOD[6:]]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert signed_in.get("/en/work/surveys/paper-test/batches/").status_code == 200


# --- Found in review ---------------------------------------------------------------------------


def test_the_same_answers_in_another_file_are_other_people(send):
    # Short forms with many empty cells often match: only a corrected copy of the same file
    # (by name) is taken for the same forms.
    batch_import(batch=send(csv_bytes([GOOD]), name="week1.csv"), only_valid=False)
    other = GOOD[:5] + ["41"] + GOOD[6:]
    week2 = batch_import(batch=send(csv_bytes([GOOD, other]), name="week2.csv"), only_valid=False)
    assert week2.rows_imported == 2 and week2.rows_already == 0
    copy = batch_import(batch=send(csv_bytes([GOOD, other], delimiter=";"), name="Week2 (1).CSV"), only_valid=False)
    assert copy.rows_imported == 0 and copy.rows_already == 2
    assert Response.objects.count() == 3


@pytest.mark.parametrize("huge", ["1e1000000", "-1e1000000", "1e-1000000", "99999999999"])
def test_a_number_too_big_to_hold_is_a_problem_not_a_crash(send, huge):
    batch = send(csv_bytes([GOOD[:5] + [huge] + GOOD[6:]]))
    assert batch.status == Batch.Status.CHECKED
    assert problems(batch) in ([(2, "age", "number")], [(2, "age", "bounds")], [])


def test_a_batch_is_not_imported_once_its_survey_has_closed(send, survey):
    batch = send(csv_bytes([GOOD]))
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    with pytest.raises(ApplicationError) as refused:
        batch_import(batch=batch, only_valid=False)
    assert refused.value.code == "closed"
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CHECKED and not Response.objects.exists()


def test_a_storage_error_keeps_the_file_for_the_next_try(send, monkeypatch):
    def storage_down(name):
        raise OSError(24, "Too many open files")

    with monkeypatch.context() as patch:
        patch.setattr(services, "encrypted_file_read", storage_down)
        send(csv_bytes([GOOD]))  # the check, run after commit, fails: logged, nothing lost
    batch = Batch.objects.get()
    assert batch.status == Batch.Status.CHECKING and batch.file
    batch_check(batch=batch)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.CHECKED and batch.rows_valid == 1
