"""Survey results: counts that match the answers exactly, filters, the cross-tab, whose responses
each person counts, free text for staff only, audited exports, and public results of a closed
survey where no count from 1 to 10 appears."""

import csv
import io
import random
import re
import statistics
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts import roles
from privacy.models import AuditEvent
from surveys import selectors
from surveys.models import Answer, Response, Survey
from surveys.results_export import safe_cell
from surveys.services import question_add, response_submit, survey_draft_version, survey_version_publish
from tests.conftest import sign_in
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

PLACES = ["home", "work", "street", "court", "check_in", "detention", "other"]
THREE = ["yes", "no", "unsure"]
WORRIES = ["who_sees", "children", "home", "used_against", "kept_long", "nothing"]
BARRIERS = ["afraid", "how", "language", "no_use", "other"]
HELPS = ["anonymous", "language", "phone", "group", "result", "independent"]
LANGUAGES = ["en", "es", "ht"]
CHANNELS = ["web", "sms", "paper"]


@pytest.fixture
def survey():
    return Survey.objects.get(slug="body-cameras")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Valley Migrant Center", slug="valley")


def answers_for(r: random.Random) -> dict:
    """One person's answers to the seeded survey, only to the questions they are shown."""
    answers = {"contact": r.choice(["yes", "yes", "no"]), "safe_reporting": str(r.randint(1, 5))}
    if answers["contact"] == "yes":
        if r.random() < 0.85:
            answers["contact_place"] = r.choice(PLACES)
        if r.random() < 0.9:
            answers["camera_seen"] = r.choice(THREE)
            if answers["camera_seen"] == "yes" and r.random() < 0.8:
                answers["camera_on"] = r.choice(THREE)
    if r.random() < 0.8:
        answers["reported_before"] = r.choice(["yes", "no"])
    if r.random() < 0.85:
        answers["footage_worries"] = sorted(set(r.sample(WORRIES, r.randint(1, 3))))
    if r.random() < 0.85:
        answers["would_request"] = r.choice(THREE)
        if answers["would_request"] == "no" and r.random() < 0.8:
            answers["request_barrier"] = r.choice(BARRIERS)
    if r.random() < 0.7:
        answers["trust_helps"] = sorted(set(r.sample(HELPS, r.randint(1, 2))))
    if r.random() < 0.5:
        answers["trust_more"] = r.choice(["Que no lo vea la policía.", "Nothing.", "Una línea en español."])
    if r.random() < 0.75:
        answers["age"] = str(r.randint(16, 80))
    return answers


def submit_many(survey, n, *, seed=1, organization=None, start=0, **extra):
    r = random.Random(seed)
    made = []
    for i in range(start, start + n):
        answers = answers_for(r)
        options = {
            "language": LANGUAGES[i % len(LANGUAGES)],
            "channel": CHANNELS[i % len(CHANNELS)],
            "field_office": ["HOU", "NOL", ""][i % 3],
            **extra,
        }
        response, created = response_submit(
            version=survey.current_version,
            answers=answers,
            submission_key=f"results-test:{seed}:{i}",
            organization=organization,
            **options,
        )
        assert created
        made.append((response, answers))
    return made


def expected_counts(made, name):
    counts, answered = {}, 0
    for _response, answers in made:
        if name not in answers:
            continue
        answered += 1
        values = answers[name] if isinstance(answers[name], list) else [answers[name]]
        for value in values:
            counts[value] = counts.get(value, 0) + 1
    return answered, counts


def by_name(data):
    return {item["question"].name: item for item in data["questions"]}


# --- Results match the answers ------------------------------------------------------------------


def test_results_match_the_raw_answers_exactly(survey, liaison):
    made = submit_many(survey, 60)

    data = selectors.results_compute(
        survey, selectors.responses_for_results(liaison, survey), with_text=True, crosstab=None
    )

    assert data["total"] == 60
    items = by_name(data)
    assert list(items)[:3] == ["contact", "contact_place", "camera_seen"]  # the survey's order
    for name in ["contact", "contact_place", "camera_seen", "camera_on", "safe_reporting", "reported_before",
                 "footage_worries", "would_request", "request_barrier", "trust_helps"]:  # fmt: skip
        answered, counts = expected_counts(made, name)
        item = items[name]
        assert item["answered"] == answered, name
        assert item["no_answer"] == 60 - answered
        got = {row["value"]: row["count"] for row in item["rows"]}
        assert {v: n for v, n in got.items() if n} == counts, name
        for row in item["rows"]:
            assert row["percent"] == round(100 * row["count"] / answered), name
    # Every choice is listed, even one nobody picked; scale and yes/no have their own values.
    assert [row["value"] for row in items["contact_place"]["rows"]] == PLACES
    assert [row["value"] for row in items["safe_reporting"]["rows"]] == ["1", "2", "3", "4", "5"]
    # Multiple choice: percentages of those who answered, adding up to more than 100.
    assert sum(row["percent"] for row in items["footage_worries"]["rows"]) > 100
    ages = [Decimal(answers["age"]) for _r, answers in made if "age" in answers]
    assert items["age"]["answered"] == len(ages)
    assert items["age"]["lowest"] == min(ages) and items["age"]["highest"] == max(ages)
    assert items["age"]["median"] == statistics.median(ages)
    texts = [answers["trust_more"] for _r, answers in made if "trust_more" in answers]
    assert items["trust_more"]["answered"] == len(texts)
    assert sorted(items["trust_more"]["texts"]) == sorted(texts)


def test_a_question_is_counted_across_versions_by_its_name(liaison):
    survey = Survey.objects.create(slug="results-versions", title={"en": "Versions"}, status="open")
    draft = survey_draft_version(survey=survey)
    question_add(
        version=draft,
        name="seen",
        kind="single",
        label={"en": "Seen?"},
        choices=[("a", {"en": "A"}), ("b", {"en": "B"})],
    )
    v1 = survey_version_publish(version=draft)
    response_submit(version=v1, answers={"seen": "a"}, channel="web", language="en", submission_key="rv:1")
    v2 = survey_draft_version(survey=survey)
    question = v2.questions.get(name="seen")
    question.label = {"en": "Did you see it?"}
    question.save(update_fields=["label"])
    v2 = survey_version_publish(version=v2)
    response_submit(version=v2, answers={"seen": "a"}, channel="web", language="en", submission_key="rv:2")
    response_submit(version=v2, answers={"seen": "b"}, channel="web", language="en", submission_key="rv:3")

    data = selectors.results_compute(survey, Response.objects.filter(survey=survey), with_text=False)

    (item,) = data["questions"]
    assert str(item["question"].label) == "Did you see it?"  # the newest words
    assert {row["value"]: row["count"] for row in item["rows"]} == {"a": 2, "b": 1}


# --- Filters, cross-tab, scope ----------------------------------------------------------------


def test_filters_narrow_the_responses_counted(survey, liaison, organization, client):
    made = submit_many(survey, 12, organization=organization)
    made += submit_many(survey, 9, seed=2, start=100)
    old = made[0][0]
    Response.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    visible = selectors.responses_for_results(liaison, survey)

    def total(**filters):
        return selectors.results_compute(survey, selectors.responses_filtered(visible, filters), with_text=False)[
            "total"
        ]

    assert total(language="es") == sum(1 for r, _a in made if r.language == "es")
    assert total(channel="sms") == sum(1 for r, _a in made if r.channel == "sms")
    assert total(organization=organization.pk) == 12
    assert total(field_office="HOU") == sum(1 for r, _a in made if r.field_office == "HOU")
    today = timezone.localdate()
    assert total(date_from=today) == 20
    assert total(date_to=today - timedelta(days=30)) == 1
    assert total(date_from=today - timedelta(days=41), date_to=today - timedelta(days=39)) == 1

    sign_in(client, liaison)
    page = client.get(reverse("surveys:results", args=[survey.slug]), {"language": "es", "channel": "web"})
    expected = sum(1 for r, _a in made if r.language == "es" and r.channel == "web")
    assert page.status_code == 200
    assert page.context["data"]["total"] == expected


def test_bad_filters_get_a_message_and_count_everything(survey, liaison, client):
    submit_many(survey, 4)
    sign_in(client, liaison)
    page = client.get(
        reverse("surveys:results", args=[survey.slug]),
        {"date_from": "yesterday", "channel": "pigeon", "rows": "contact", "organization": "x"},
    )
    assert page.status_code == 200
    assert page.context["form"].errors
    assert page.context["data"]["total"] == 4
    assert "Write the date like this" in page.content.decode()
    far = client.get(
        reverse("surveys:results", args=[survey.slug]), {"date_to": "9999-12-31", "date_from": "0001-01-01"}
    )
    assert far.status_code == 200 and set(far.context["form"].errors) == {"date_from", "date_to"}


def test_the_crosstab_counts_people_by_two_answers_with_totals(survey, liaison, client):
    made = submit_many(survey, 50, seed=3)
    sign_in(client, liaison)

    page = client.get(reverse("surveys:results", args=[survey.slug]), {"rows": "contact", "columns": "would_request"})

    table = page.context["data"]["crosstab"]
    both = [a for _r, a in made if "contact" in a and "would_request" in a]
    assert table["total"] == len(both)
    columns = [value for value, _label in table["columns"]]
    assert columns == THREE
    for row, value in zip(table["rows"], ["yes", "no"], strict=True):
        expected = [sum(1 for a in both if a["contact"] == value and a["would_request"] == c) for c in THREE]
        assert row["cells"] == expected
        assert row["total"] == sum(expected)
    assert table["column_totals"] == [sum(1 for a in both if a["would_request"] == c) for c in THREE]
    assert sum(table["column_totals"]) == table["total"] == sum(row["total"] for row in table["rows"])
    assert "Answers compared" in page.content.decode()


def test_a_multiple_choice_crosstab_counts_each_choice(survey, liaison):
    made = submit_many(survey, 30, seed=4)
    data = selectors.results_compute(
        survey, Response.objects.filter(survey=survey), with_text=False, crosstab=("footage_worries", "contact")
    )
    table = data["crosstab"]
    both = [a for _r, a in made if "footage_worries" in a]
    assert table["total"] == len(both)
    for row, value in zip(table["rows"], WORRIES, strict=True):
        assert row["total"] == sum(1 for a in both if value in a["footage_worries"])
        assert row["cells"] == [
            sum(1 for a in both if value in a["footage_worries"] and a["contact"] == c) for c in ("yes", "no")
        ]


def test_an_organisation_counts_only_its_own_responses(survey, advocate, organization, other_organization, client):
    mine = submit_many(survey, 7, organization=organization)
    submit_many(survey, 11, seed=5, start=50, organization=other_organization)
    submit_many(survey, 3, seed=6, start=80)
    sign_in(client, advocate)

    page = client.get(reverse("surveys:results", args=[survey.slug]))

    assert page.status_code == 200
    data = page.context["data"]
    assert data["total"] == 7
    answered, counts = expected_counts(mine, "contact")
    assert {row["value"]: row["count"] for row in by_name(data)["contact"]["rows"] if row["count"]} == counts
    # The organisation filter offers only its own organisation.
    assert [label for value, label in page.context["form"].fields["organization"].choices if value] == [
        organization.name
    ]
    other = client.get(reverse("surveys:results", args=[survey.slug]), {"organization": other_organization.pk})
    assert other.context["form"].errors  # not a choice for this person
    assert other.context["data"]["total"] == 7


def test_free_text_is_for_staff_only(survey, liaison, advocate, auditor, organization, client):
    submit_many(survey, 20, organization=organization)
    url = reverse("surveys:results", args=[survey.slug])
    sign_in(client, liaison)
    assert "Que no lo vea la policía." in client.get(url).content.decode()
    for person in (advocate, auditor):
        sign_in(client, person)
        page = client.get(url)
        assert page.status_code == 200
        assert page.context["data"]["total"] == 20
        assert "Que no lo vea la policía." not in page.content.decode()
        assert by_name(page.context["data"])["trust_more"]["texts"] is None
        assert by_name(page.context["data"])["trust_more"]["answered"] > 0


def test_people_without_a_role_in_surveys_see_no_results(survey, client):
    stranger = UserFactory(username="nadie", role=roles.ADVOCATE)  # no organisation
    sign_in(client, stranger)
    assert client.get(reverse("surveys:results", args=[survey.slug])).status_code == 404
    client.logout()
    assert client.get(reverse("surveys:results", args=[survey.slug])).status_code == 302


# --- Exports ------------------------------------------------------------------------------------


def export(client, survey, fmt, **params):
    return client.get(reverse("surveys:results_export", args=[survey.slug, fmt]), params)


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_export_has_one_row_per_response_and_is_audited(survey, liaison, client):
    made = submit_many(survey, 15)
    sign_in(client, liaison)

    response = export(client, survey, "csv", language="es")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="body-cameras-responses.csv"'
    rows = csv_rows(response)
    header, body = rows[0], rows[1:]
    assert header[:6] == ["response_id", "submitted_at", "channel", "language", "organization", "field_office"]
    assert "trust_more" in header and "footage_worries" in header
    spanish = [(r, a) for r, a in made if r.language == "es"]
    assert [int(row[0]) for row in body] == [r.pk for r, _a in spanish]
    for row, (_response, answers) in zip(body, spanish, strict=True):
        values = dict(zip(header, row, strict=True))
        assert values["language"] == "es"
        assert values["contact"] == answers["contact"]
        assert values["footage_worries"] == " ".join(answers.get("footage_worries", []))
        assert values["trust_more"] == answers.get("trust_more", "")
        assert values["age"] == answers.get("age", "")
    event = AuditEvent.objects.get(action="survey.exported")
    assert event.actor == liaison and event.object_id == str(survey.pk)
    assert event.data == {"format": "csv", "filters": {"language": "es"}, "rows": len(spanish), "free_text": True}


def test_the_xlsx_export_matches_and_leaves_free_text_out_for_organisations(survey, advocate, organization, client):
    made = submit_many(survey, 8, organization=organization)
    sign_in(client, advocate)

    response = export(client, survey, "xlsx")

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    header = rows[0]
    assert "trust_more" not in header and "age" in header
    assert len(rows) == 1 + len(made)
    first = dict(zip(header, rows[1], strict=True))
    assert first["organization"] == organization.name
    assert first["contact"] == made[0][1]["contact"]
    if "age" in made[0][1]:
        assert Decimal(str(first["age"])) == Decimal(made[0][1]["age"])
    event = AuditEvent.objects.get(action="survey.exported")
    assert event.data["free_text"] is False and event.data["rows"] == 8 and event.data["format"] == "xlsx"
    assert "Que no lo vea" not in str(event.data)


def test_an_auditor_exports_counts_without_free_text(survey, auditor, client):
    submit_many(survey, 5)
    sign_in(client, auditor)
    rows = csv_rows(export(client, survey, "csv"))
    assert "trust_more" not in rows[0] and len(rows) == 6
    assert AuditEvent.objects.get(action="survey.exported").actor == auditor


def test_exports_neutralise_spreadsheet_formulas(survey, liaison, client):
    evil = OrganizationFactory(name="=cmd|' /C calc'!A0", slug="evil")
    for n, text in enumerate(['=HYPERLINK("http://x","click")', "+1+2", "-2+3", "@SUM(A1)", "plain"]):
        response_submit(
            version=survey.current_version,
            answers={"contact": "no", "safe_reporting": "3", "trust_more": text},
            channel="web",
            language="en",
            submission_key=f"evil:{n}",
            organization=evil,
        )
    sign_in(client, liaison)

    rows = csv_rows(export(client, survey, "csv"))
    column = rows[0].index("trust_more")
    assert [row[column] for row in rows[1:]] == [
        '\'=HYPERLINK("http://x","click")',
        "'+1+2",
        "'-2+3",
        "'@SUM(A1)",
        "plain",
    ]
    assert all(row[4] == "'=cmd|' /C calc'!A0" for row in rows[1:])

    workbook = load_workbook(io.BytesIO(b"".join(export(client, survey, "xlsx").streaming_content)))
    cells = [row[column].value for row in workbook.active.iter_rows(min_row=2)]
    assert cells[0].startswith("'=") and all(not str(c).startswith(("=", "+", "@")) for c in cells)
    assert safe_cell("-5") == "-5" and safe_cell(Decimal("-5")) == Decimal("-5")


def test_an_unknown_export_format_is_not_found(survey, liaison, client):
    sign_in(client, liaison)
    assert export(client, survey, "pdf").status_code == 404
    assert not AuditEvent.objects.filter(action="survey.exported").exists()


def test_an_export_with_a_bad_filter_goes_back_to_the_results(survey, liaison, client):
    sign_in(client, liaison)
    response = export(client, survey, "csv", date_from="soon")
    assert response.status_code == 302 and "date_from=soon" in response["Location"]
    assert not AuditEvent.objects.filter(action="survey.exported").exists()


# --- Query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 50])
def test_the_results_page_takes_the_same_queries_for_5_or_50_responses(
    survey, liaison, client, django_assert_max_num_queries, count
):
    submit_many(survey, count, seed=count)
    sign_in(client, liaison)
    url = reverse("surveys:results", args=[survey.slug])
    # 17, plus for staff the role lookup, the second factor's device and the idle timeout's
    # once-a-minute session write.
    with django_assert_max_num_queries(20):
        page = client.get(url, {"rows": "contact", "columns": "footage_worries", "language": "es"})
    assert page.status_code == 200


@pytest.mark.parametrize("count", [5, 50])
def test_public_results_take_the_same_queries_for_5_or_50_responses(
    survey, client, django_assert_max_num_queries, count
):
    submit_many(survey, count, seed=count)
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("surveys:public_results", args=[survey.slug]))
    assert page.status_code == 200


# --- Public results ---------------------------------------------------------------------------

COUNT_CELL = re.compile(r'<td class="count">([^<]*)</td>')


def page_counts(html: str) -> list[int]:
    return [int(re.sub(r"\D", "", value)) for value in COUNT_CELL.findall(html)]


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_public_results_of_a_closed_survey_show_no_small_count(survey, client, seed):
    made = submit_many(survey, 60, seed=seed)
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)

    page = client.get(reverse("surveys:public_results", args=[survey.slug]))

    assert page.status_code == 200
    html = page.content.decode()
    counts = page_counts(html)
    assert counts, "some numbers are published"
    assert not [n for n in counts if 1 <= n <= 10]
    assert "60 people answered this survey" in html
    assert "hidden to protect privacy" in html  # 60 people over 7 places: some counts are small
    # What is shown is true.
    results = page.context["results"]
    for item in results["questions"]:
        name = item["question"].name
        answered, expected = expected_counts(made, name)
        if item["no_answer"]["count"] is not None:
            assert item["no_answer"]["count"] == 60 - answered
        for row, value in zip(item.get("rows", []), [v for v, _l in item["question"].choices], strict=False):
            if row["count"] is not None:
                assert row["count"] == expected.get(value, 0)
                assert row["percent"] == round(100 * row["count"] / 60)
    # Free text and dates are never public.
    assert "Que no lo vea" not in html and "trust_more" not in html


def test_public_results_hide_everything_when_ten_or_fewer_answered(survey, client):
    submit_many(survey, 9)
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    page = client.get(reverse("surveys:public_results", args=[survey.slug]))
    assert page.status_code == 200
    assert page.context["results"]["withheld"]
    assert page_counts(page.content.decode()) == []
    assert "9" not in re.sub(r"<[^>]+>", " ", page.content.decode()).split("Results")[-1]


@pytest.mark.parametrize(("people", "with_age", "median_shown"), [(40, 25, True), (40, 19, False), (14, 12, False)])
def test_public_results_give_a_median_only_when_each_half_holds_more_than_ten(
    survey, client, people, with_age, median_shown
):
    r = random.Random(3)
    for n in range(people):
        answers = {"contact": "no", "safe_reporting": "3"}
        if n < with_age:
            answers["age"] = str(r.randint(20, 60))
        response_submit(
            version=survey.current_version, answers=answers, channel="web", language="en", submission_key=f"m:{n}"
        )
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)
    results = client.get(reverse("surveys:public_results", args=[survey.slug])).context["results"]
    age = next(item for item in results["questions"] if item["question"].name == "age")
    if median_shown:
        assert age["answered"]["count"] == 25 and age["no_answer"]["count"] == 15
        # The lower median: an answer somebody gave, never the mean of two.
        ages = sorted(Answer.objects.filter(question__name="age").values_list("number", flat=True))
        assert age["median"] == ages[(len(ages) - 1) // 2]
    elif people == 40:
        assert age["answered"]["count"] == 19 and age["median"] is None
    else:
        # 2 gave no age: hidden, and so is the 12 that would give it away; no median then.
        assert age["answered"]["count"] is None and age["no_answer"]["count"] is None
        assert age["median"] is None


def test_public_results_wait_until_the_survey_closes(survey, client):
    submit_many(survey, 30)
    page = client.get(reverse("surveys:public_results", args=[survey.slug]))
    assert page.status_code == 404
    html = page.content.decode()
    assert "will be here when the survey closes" in html
    assert page_counts(html) == []


def test_public_results_leave_out_questions_some_answered_version_did_not_ask(client):
    """Found in review: two required questions added by version 2 are answered by exactly the
    version-2 people, so their "no answer" cells are equal (both the 5 of version 1), and with
    "hit": No 94 shown, a hidden Yes of 1 could be worked out."""
    from surveys.services import question_add, survey_draft_version, survey_version_publish

    survey = Survey.objects.create(slug="versions", title={"en": "Versions"}, status=Survey.Status.OPEN)
    first = survey_draft_version(survey=survey)
    question_add(version=first, name="contact", kind="yes_no", required=True, label={"en": "Met agents?"})
    survey_version_publish(version=first)
    for n in range(5):
        response_submit(version=first, answers={"contact": "no"}, channel="web", language="en", submission_key=f"a{n}")
    second = survey_draft_version(survey=survey)
    question_add(version=second, name="hit", kind="yes_no", required=True, label={"en": "Hit?"})
    question_add(
        version=second,
        name="where",
        kind="multiple",
        required=True,
        label={"en": "Where?"},
        choices=[("home", {"en": "Home"}), ("street", {"en": "Street"})],
    )
    survey_version_publish(version=second)
    for n in range(95):
        answers = {"contact": "yes", "hit": "yes" if n == 0 else "no", "where": ["home"] if n < 60 else ["street"]}
        response_submit(version=second, answers=answers, channel="web", language="en", submission_key=f"b{n}")
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED)

    results = client.get(reverse("surveys:public_results", args=[survey.slug])).context["results"]
    assert results["total"] == 100
    assert [item["question"].name for item in results["questions"]] == ["contact"]
